import type { CompletionText } from "../engine/definition.js";
import { stepKey, type NodeLedger, type OpRecord } from "../engine/records.js";
import type { SizedFile } from "../rotation/backup-steps.js";
import { humanSize } from "../rotation/remote-output.js";
import type { FinalVersion } from "./post-verify-step.js";
import { upgradeParams } from "./upgrade-params.js";
import { escapeMrkdwn as e } from "../../shared/mrkdwn.js";
import { PHASE, VERIFY_STEP } from "./upgrade-phases.js";

const itemsOf = (op: OpRecord, phaseId: string) =>
  op.phases.find((p) => p.id === phaseId)?.items.filter((i) => !i.final) ?? [];

function snapshotOf(
  op: OpRecord,
  nodes: ReadonlyMap<string, NodeLedger>,
): { node: string; file?: SizedFile } {
  const node = itemsOf(op, PHASE.backup)[0]?.node ?? "?";
  return { node, file: nodes.get(node)?.facts.snapshot as SizedFile | undefined };
}

export function backupReport(op: OpRecord, nodes: ReadonlyMap<string, NodeLedger>): string[] {
  const { node, file } = snapshotOf(op, nodes);
  return [
    `• etcd snapshot on *${node}*: ${file ? `\`${e(file.path)}\` (${humanSize(file.size)})` : "—"}`,
    `Restore, if the upgrade must be undone: stop rke2-server on every server, then on ${node} \`rke2 server --cluster-reset --cluster-reset-restore-path=${e(file?.path ?? "<file>")}\` (keep \`server/token\`).`,
  ];
}

/** One line per node of a roll phase: before → after, and how long it took to be Ready. */
export function rollReport(phaseId: string) {
  return (op: OpRecord, nodes: ReadonlyMap<string, NodeLedger>): string[] => {
    const p = upgradeParams(op);
    return itemsOf(op, phaseId).map((i) => {
      const led = nodes.get(i.node);
      const before = p.nodes.find((n) => n.node === i.node)?.kubelet ?? "?";
      const ready = led?.steps[stepKey(phaseId, "wait-ready")]?.summary ?? "";
      return `• *${i.node}*: ${e(before)} → ${e(String(led?.facts.versionAfter ?? "?"))}${ready ? ` (${e(ready)})` : ""}`;
    });
  };
}

/** Before/after table over every node of the cluster (skipped ones included), from the final verification's reads. */
export function upgradeCompletion(op: OpRecord, nodes: ReadonlyMap<string, NodeLedger>): CompletionText {
  const p = upgradeParams(op);
  const verifier = op.phases
    .flatMap((ph) =>
      ph.items.filter((i) => i.final).map((i) => ({ node: i.node, key: stepKey(ph.id, VERIFY_STEP) })),
    )
    .at(-1);
  const finals = (verifier ? nodes.get(verifier.node)?.facts.finalVersions : undefined) as
    Record<string, FinalVersion> | undefined;
  const rows = p.nodes.map((n) => {
    const after = finals?.[n.node]?.kubelet ?? String(nodes.get(n.node)?.facts.versionAfter ?? "?");
    const result = n.skipped ? "already at target" : after === p.target ? "upgraded" : "check";
    return [n.node, n.role, n.kubelet, after, result];
  });
  const { node, file } = snapshotOf(op, nodes);
  return {
    table: { headers: ["node", "role", "before", "after", "result"], rows },
    notes: [
      `The upgrade of ${op.cluster} to ${p.target} is complete: every node runs ${p.target} and is Ready, kube-system pods are running, /readyz is ok and etcd healthy on every server.`,
      `The etcd snapshot taken before it stays on ${node}${file ? `: \`${e(file.path)}\`` : ""}.`,
    ],
  };
}
