import { escapeMrkdwn, inlineCode } from "../../shared/mrkdwn.js";
import type { CompletionText } from "../engine/definition.js";
import type { NodeLedger, OpRecord } from "../engine/records.js";
import type { SizedFile } from "../rotation/backup-steps.js";
import { F } from "../rotation/leaf-steps.js";
import { humanSize } from "../rotation/remote-output.js";
import { earliest, type LeafFact } from "../rotation/renewal.js";
import { RENEW_PHASE } from "./renew-plan.js";
import { R } from "./renew-verify.js";

const day = (iso?: string) => (iso ? iso.slice(0, 10) : "—");
const nodesOf = (op: OpRecord, phaseId: string, role: string) =>
  op.phases
    .find((p) => p.id === phaseId)
    ?.items.filter((i) => i.role === role && !i.steps.includes("final-health"))
    .map((i) => i.node) ?? [];

/** "3 renewed (same keys), earliest expiry 2027-12-01"; file names come from the node: escaped. */
function nodeLine(name: string, led: NodeLedger | undefined): string {
  const renewed = (led?.facts[R.renewed] as string[] | undefined) ?? [];
  const after = (led?.facts[R.after] as LeafFact[] | undefined) ?? [];
  const files = renewed.length > 0 ? `: ${renewed.map((p) => inlineCode(p)).join(", ")}` : "";
  return `• *${name}*: ${renewed.length} renewed, same keys; earliest expiry now ${day(earliest(after)?.notAfter)}${files}`;
}

export function snapshotReport(op: OpRecord, nodes: ReadonlyMap<string, NodeLedger>): string[] {
  return nodesOf(op, RENEW_PHASE.snapshot, "server").map((name) => {
    const snap = nodes.get(name)?.facts.snapshot as SizedFile | undefined;
    return `• *${name}*: etcd snapshot ${snap ? `${inlineCode(snap.path)} (${humanSize(snap.size)})` : "—"}`;
  });
}

export const serverReport = (op: OpRecord, nodes: ReadonlyMap<string, NodeLedger>): string[] =>
  nodesOf(op, RENEW_PHASE.servers, "server").map((n) => nodeLine(n, nodes.get(n)));

export const agentReport = (op: OpRecord, nodes: ReadonlyMap<string, NodeLedger>): string[] =>
  nodesOf(op, RENEW_PHASE.agents, "agent").map((n) => nodeLine(n, nodes.get(n)));

/** Before/after table: per node, how many leaves the restart renewed and the earliest expiry. */
export function renewCompletion(op: OpRecord, nodes: ReadonlyMap<string, NodeLedger>): CompletionText {
  const items = op.phases
    .flatMap((p) => p.items)
    .filter(
      (i, idx, all) => all.findIndex((j) => j.node === i.node) === idx && !i.steps.includes("final-health"),
    );
  const rows = items.map((i) => {
    const f = nodes.get(i.node)?.facts ?? {};
    const before = (f[F.before] as LeafFact[] | undefined) ?? [];
    const after = f[R.after] as LeafFact[] | undefined;
    const renewed = (f[R.renewed] as string[] | undefined) ?? [];
    return [
      i.node,
      i.role,
      `${renewed.length} of ${before.length}`,
      day(earliest(before)?.notAfter),
      day(earliest(after ?? [])?.notAfter),
      after ? "renewed, same keys" : "check",
    ];
  });
  return {
    table: {
      headers: [
        "node",
        "role",
        "leaves renewed",
        "earliest expiry before",
        "earliest expiry after",
        "result",
      ],
      rows,
    },
    notes: [
      "Every node Ready and /readyz ok on every server. Nothing was rotated: the renewed certificates keep their keys.",
      `Copies of ${escapeMrkdwn("/etc/rancher/rke2/rke2.yaml")} hold the old admin certificate if it was renewed: refresh them with \`cp /etc/rancher/rke2/rke2.yaml ~/.kube/config\`.`,
    ],
  };
}
