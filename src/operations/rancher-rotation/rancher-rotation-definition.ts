import { escapeMrkdwn } from "../../shared/mrkdwn.js";
import { clusterState, generationOf } from "../../rancher/provisioning-cluster.js";
import type { OperationDefinition } from "../engine/definition.js";
import type { NodeLedger, OpRecord } from "../engine/records.js";
import { recordBeforeStep } from "../rotation/leaf-steps.js";
import { rotationCompletion } from "../rotation/rotation-reports.js";
import { apiCompletion, apiPreflight, apiVerifyReport } from "./api-report.js";
import { recordEndpointsStep, verifyThroughApiStep } from "./api-verify-steps.js";
import { planRancherPhases, rancherPlanText, RPHASE } from "./rancher-plan.js";
import { rancherFor, rancherRotateStep, rancherSnapshotStep, servicesOf } from "./rancher-steps.js";
import { rotateArgs } from "./services-arg.js";
import { verifyRenewedStep } from "./verify-step.js";

/** The summaries the steps of a phase left, in item order (what Rancher said, what SSH saw). */
function summaries(op: OpRecord, nodes: ReadonlyMap<string, NodeLedger>, phaseId: string): string[] {
  const phase = op.phases.find((p) => p.id === phaseId);
  return (phase?.items ?? []).flatMap((i) =>
    i.steps.flatMap((s) => {
      const sum = nodes.get(i.node)?.steps[`${phaseId}/${s}`]?.summary;
      return sum ? [`• ${i.node}: ${escapeMrkdwn(sum)}`] : [];
    }),
  );
}

/**
 * `/rke2 rotate` on a cluster with a `rancher:` block: Rancher provisioned it and owns its
 * certificates, so the rotation is asked of Rancher (provisioning.cattle.io/v1 Cluster) instead of
 * run by SSH; SSH only reads the nodes' files to verify.
 */
export const rancherRotationDefinition: OperationDefinition = {
  kind: "rancher-rotate",
  idPrefix: "rrot",
  title: "Certificate rotation through Rancher",
  variantOf: { kind: "rotate", applies: (cluster) => cluster.rancher !== undefined },
  args: rotateArgs,
  withoutNodes: true,
  async preflight(ctx) {
    const client = rancherFor(ctx.cluster, ctx.log);
    let cur;
    try {
      cur = await client.get();
    } catch (e) {
      return { ok: false, problems: [(e as Error).message] };
    }
    const state = clusterState(cur);
    if (state.kind !== "ready") {
      const why =
        state.kind === "updating"
          ? `Rancher is already updating ${client.where} (${state.message}); wait until it is Ready`
          : `Rancher reports ${client.where} not Ready: ${state.message}`;
      // Problems are escaped where they are rendered.
      return { ok: false, problems: [why] };
    }
    const generations = {
      snapshot: generationOf(cur, "etcdSnapshotCreate"),
      rotate: generationOf(cur, "rotateCertificates"),
    };
    // No nodes listed: the downstream API must answer now, or phase 3 could not verify anything.
    const api = ctx.cluster.nodes.length === 0 ? await apiPreflight(ctx.cluster, ctx.log) : undefined;
    if (api && !api.ok) return { ok: false, problems: api.problems };
    return {
      ok: true,
      params: { rancher: client.where },
      phases: planRancherPhases(ctx.cluster),
      plan: rancherPlanText(
        ctx.cluster,
        escapeMrkdwn(client.where),
        generations,
        servicesOf({ params: ctx.params }, ctx.cluster),
        api?.view,
      ),
    };
  },
  phases: [
    {
      id: RPHASE.snapshot,
      title: "etcd snapshot (Rancher)",
      steps: [rancherSnapshotStep],
      report: (op, nodes) => summaries(op, nodes, RPHASE.snapshot),
    },
    {
      id: RPHASE.rotate,
      title: "Rotation (Rancher)",
      steps: [recordBeforeStep, recordEndpointsStep, rancherRotateStep],
      // Rancher's answer only; the recorded leaves show up in the completion table.
      report: (op, nodes) => summaries(op, nodes, RPHASE.rotate).filter((l) => /Rancher/.test(l)),
    },
    {
      id: RPHASE.verify,
      title: "Verification",
      steps: [verifyRenewedStep, verifyThroughApiStep],
      report: (op, nodes) => [...summaries(op, nodes, RPHASE.verify), ...apiVerifyReport(nodes)],
    },
  ],
  completion(op, nodes) {
    const api = apiCompletion(op, nodes);
    if (api) return api;
    const { table } = rotationCompletion(op, nodes);
    return {
      table,
      notes: [
        `Rotated by Rancher (${escapeMrkdwn(String(op.params.rancher ?? ""))}), which reports the cluster Ready; every node's files checked over SSH.`,
        "Kubeconfigs copied from /etc/rancher/rke2/rke2.yaml before the rotation hold the old client certificate: copy them again (Rancher's own kubeconfigs are unaffected).",
      ],
    };
  },
};
