import type { ClusterSpec } from "../../config/inventory.js";
import type { Logger } from "../../shared/logger.js";
import { escapeMrkdwn } from "../../shared/mrkdwn.js";
import { CLUSTER_ITEM } from "../engine/cluster-item.js";
import type { CompletionText } from "../engine/definition.js";
import { stepKey, type NodeLedger, type OpRecord } from "../engine/records.js";
import { F } from "../rotation/leaf-steps.js";
import type { LeafFact } from "../rotation/renewal.js";
import { readThroughApi } from "./api-endpoints.js";
import { RPHASE, type ApiPlanView } from "./rancher-plan.js";

/**
 * Preflight of a Rancher cluster with no nodes listed: the downstream API answers, every node is
 * Ready and every serving endpoint hands over a certificate, else phase 3 could verify nothing.
 */
export async function apiPreflight(
  cluster: ClusterSpec,
  log: Logger,
): Promise<{ ok: true; view: ApiPlanView } | { ok: false; problems: string[] }> {
  let read;
  try {
    read = await readThroughApi(cluster, log);
  } catch (e) {
    return { ok: false, problems: [(e as Error).message] };
  }
  const { view, reads } = read;
  const problems = [
    ...view.nodes.filter((n) => !n.ready).map((n) => `downstream node ${n.name} is not Ready`),
    ...reads.filter((r) => r.error).map((r) => `${r.endpoint.label}: ${r.error}`),
  ];
  if (reads.length === 0)
    problems.push(
      `the API of ${view.clusterId} lists no kube-apiserver endpoint and no kubelet to verify with`,
    );
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    view: {
      clusterId: escapeMrkdwn(view.clusterId),
      nodes: view.nodes.length,
      endpoints: view.endpoints.map((e) => escapeMrkdwn(e.label)),
    },
  };
}

const day = (iso?: string) => (iso ? iso.slice(0, 10) : "—");

function pairs(nodes: ReadonlyMap<string, NodeLedger>): { before: LeafFact; after?: LeafFact }[] | undefined {
  const f = nodes.get(CLUSTER_ITEM)?.facts;
  const before = f?.[F.before] as LeafFact[] | undefined;
  if (!before) return undefined;
  const after = new Map(((f?.[F.after] as LeafFact[] | undefined) ?? []).map((l) => [l.key, l]));
  return before.map((b) => ({ before: b, ...(after.has(b.key) ? { after: after.get(b.key)! } : {}) }));
}

/** Phase 3's report through the API: each endpoint with its serial before and after. */
export function apiVerifyReport(nodes: ReadonlyMap<string, NodeLedger>): string[] {
  return (pairs(nodes) ?? []).map(({ before, after }) =>
    after
      ? `• ${escapeMrkdwn(before.path)}: serial ${before.serial} → ${after.serial}, expires ${day(after.notAfter)}`
      : `• ${escapeMrkdwn(before.path)}: not judged (outside the services asked for), serial ${before.serial}`,
  );
}

/** The completion table of a rotation verified through the API; undefined when verified over SSH. */
export function apiCompletion(
  op: OpRecord,
  nodes: ReadonlyMap<string, NodeLedger>,
): CompletionText | undefined {
  const rows = pairs(nodes);
  if (!rows) return undefined;
  // The last phase's report is this note: what the verification saw comes first.
  const seen = nodes.get(CLUSTER_ITEM)?.steps[stepKey(RPHASE.verify, "verify-api")]?.summary;
  return {
    table: {
      headers: ["endpoint", "serial before", "serial after", "expires"],
      rows: rows.map(({ before, after }) => [
        before.path,
        before.serial,
        after?.serial ?? "not judged",
        day(after?.notAfter ?? before.notAfter),
      ]),
    },
    notes: [
      ...(seen ? [`Verification through Rancher's API: ${escapeMrkdwn(seen)}.`] : []),
      ...apiVerifyReport(nodes),
      `Rotated by Rancher (${escapeMrkdwn(String(op.params.rancher ?? ""))}), which reports the cluster Ready; the serving certificates were read on the wire through the downstream cluster's API (the inventory lists no SSH nodes).`,
      "Kubeconfigs copied from /etc/rancher/rke2/rke2.yaml before the rotation hold the old client certificate: copy them again (Rancher's own kubeconfigs are unaffected).",
    ],
  };
}
