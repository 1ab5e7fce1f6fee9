import { systemctl } from "../../rke2/commands.js";
import { rotateArgs } from "../rancher-rotation/services-arg.js";
import { clusterPreflight, credentialRefusal } from "../common/preflight-checks.js";
import { finalHealthStep } from "../common/final-health-step.js";
import { forNodes } from "../common/for-nodes.js";
import type { OperationDefinition, StepContext } from "../engine/definition.js";
import { stepKey, type NodeLedger } from "../engine/records.js";
import { awaitRenewalStep, restartAgentStep, verifyAgentStep } from "./agent-steps.js";
import { snapshotStep, tlsBackupStep } from "./backup-steps.js";
import { emergencyPlanText } from "./emergency-plan.js";
import { assessDarkApi } from "./emergency-preflight.js";
import { kubeconfigCopiesStep } from "./kubeconfig-step.js";
import { recordBeforeStep } from "./leaf-steps.js";
import { leafFacts } from "./renewal.js";
import { agentReport, backupReport, rotationCompletion, serverRollReport } from "./rotation-reports.js";
import { PHASE, planRotationPhases, rotationPlanText } from "./rotation-plan.js";
import {
  rotateStep,
  serviceState,
  startStep,
  stopStep,
  verifyCertsStep,
  waitReadyStep,
} from "./server-steps.js";

/**
 * After a failed step: if we stopped this node's service (its stop/restart step was attempted)
 * and it is not running, start it so the node keeps serving. Never touches any other node.
 */
async function leaveServing(
  ctx: StepContext,
  ledger: Readonly<NodeLedger>,
  svc: "rke2-server" | "rke2-agent",
  stopStepId: string,
): Promise<string[]> {
  const attempted = (ledger.steps[stepKey(ctx.phase.id, stopStepId)]?.state ?? "planned") !== "planned";
  if (!attempted) return [];
  const state = await serviceState(ctx, svc);
  if (state === "active") return [`${svc} on ${ctx.node.name} is running`];
  const res = await ctx.remote.run(ctx.node, systemctl("start", svc));
  const after = await serviceState(ctx, svc);
  return res.code === 0 && after === "active"
    ? [`started ${svc} on ${ctx.node.name} again (it was ${state})`]
    : [
        `could not start ${svc} on ${ctx.node.name} (exit ${res.code}): ${res.stderr.trim().split("\n").slice(-2).join(" ")}; it is ${after}`,
      ];
}

export const rotationDefinition: OperationDefinition = {
  kind: "rotate",
  idPrefix: "rot",
  title: "Certificate rotation",
  command: {
    name: "rotate",
    usage: "/rke2 rotate <cluster> [services=<list>]",
    summary: "request an approved, phased certificate rotation of a cluster",
    preparing: (cluster) => `Preparing a certificate rotation plan for ${cluster} (preflight checks first)…`,
  },
  // services= is the Rancher variant's (rancher-rotation/services-arg.ts); over SSH every leaf rotates.
  args: rotateArgs,
  unavailable: (params) =>
    params.services
      ? "services= limits a rotation through Rancher (a cluster with a rancher: block); this cluster is rotated over SSH, all services"
      : undefined,
  async preflight(ctx) {
    const problems = await clusterPreflight(ctx.remote, ctx.cluster);
    // kubectl refused for credentials: maybe a dark API, which this rotation is the fix for.
    const refused = credentialRefusal(problems);
    if (problems.length > 0 && !refused) return { ok: false, problems };
    const scans = await forNodes(ctx.remote, ctx.cluster.nodes, async (n) => {
      try {
        const certs = await ctx.remote.readCerts(n);
        return { node: n.name, certs, leaves: leafFacts(certs) };
      } catch (e) {
        return {
          node: n.name,
          certs: [],
          leaves: [],
          error: `${n.name}: certificate scan failed: ${(e as Error).message}`,
        };
      }
    });
    const scanProblems = scans.flatMap((s) =>
      "error" in s && s.error
        ? [s.error]
        : s.leaves.length === 0
          ? [`${s.node}: no readable leaf certificates`]
          : [],
    );
    if (scanProblems.length > 0) return { ok: false, problems: [...problems, ...scanProblems] };
    const phases = planRotationPhases(ctx.cluster);
    if (refused) {
      const a = await assessDarkApi(ctx, new Map(scans.map((s) => [s.node, s.certs])));
      if (!a.ok) return { ok: false, problems: [...problems, ...a.problems] };
      const plan = emergencyPlanText(ctx.opId, ctx.inventory, ctx.cluster, a.dark, refused, ctx.clock.now());
      return { ok: true, params: { emergency: true }, phases, plan };
    }
    return {
      ok: true,
      params: {},
      phases,
      plan: rotationPlanText(ctx.opId, ctx.inventory, ctx.cluster, scans, ctx.clock.now()),
    };
  },
  phases: [
    {
      id: PHASE.backup,
      title: "Backup",
      steps: [snapshotStep, tlsBackupStep],
      report: backupReport,
    },
    {
      id: PHASE.servers,
      title: "Server roll",
      steps: [
        recordBeforeStep,
        stopStep,
        rotateStep,
        startStep,
        waitReadyStep,
        verifyCertsStep,
        kubeconfigCopiesStep,
        finalHealthStep,
      ],
      recover: async (ctx, led) =>
        ctx.node.role === "server" ? leaveServing(ctx, led, "rke2-server", "stop") : [],
      report: serverRollReport,
    },
    {
      id: PHASE.agents,
      title: "Agent verification",
      steps: [awaitRenewalStep, restartAgentStep, verifyAgentStep, finalHealthStep],
      recover: async (ctx, led) =>
        ctx.node.role === "agent" ? leaveServing(ctx, led, "rke2-agent", "restart") : [],
      report: agentReport,
    },
  ],
  completion: rotationCompletion,
};
