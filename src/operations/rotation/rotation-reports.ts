import { escapeMrkdwn, inlineCode } from "../../shared/mrkdwn.js";
import type { CompletionText } from "../engine/definition.js";
import { stepKey, type NodeLedger, type OpRecord } from "../engine/records.js";
import type { SizedFile } from "./backup-steps.js";
import { F, type JudgedRecord } from "./leaf-steps.js";
import { refreshOffer } from "../kubeconfig/refresh-click.js";
import { STALE_KUBECONFIGS } from "./kubeconfig-step.js";
import { keyChangeNotes, keyChanges, newKeysCell } from "./key-change.js";
import { humanSize } from "./remote-output.js";
import { compareLeaves, earliest, type LeafFact } from "./renewal.js";
import { PHASE } from "./rotation-plan.js";

/** Never key material: only where the fresh kubeconfig is and how to copy it. */
export const KUBECONFIG_REMINDER =
  "The admin client certificate changed: copies of `/etc/rancher/rke2/rke2.yaml` made before the rotation are stale. " +
  "Refresh them from a server with `cp /etc/rancher/rke2/rke2.yaml ~/.kube/config` (and set `server:` to the external address when used remotely).";

const day = (iso?: string) => (iso ? iso.slice(0, 10) : "—");
const nodesOf = (op: OpRecord, phaseId: string, role?: string) =>
  op.phases
    .find((p) => p.id === phaseId)
    ?.items.filter((i) => !role || i.role === role)
    .map((i) => i.node) ?? [];

export function backupReport(op: OpRecord, nodes: ReadonlyMap<string, NodeLedger>): string[] {
  return nodesOf(op, PHASE.backup).flatMap((name) => {
    const f = nodes.get(name)?.facts ?? {};
    const snap = f.snapshot as SizedFile | undefined;
    const tar = f.tlsBackup as SizedFile | undefined;
    return [
      `*${name}*`,
      `• etcd snapshot: ${snap ? `${inlineCode(snap.path)} (${humanSize(snap.size)})` : typeof f.snapshotFailed === "string" ? `none (${escapeMrkdwn(f.snapshotFailed)}); the tls tarball is the backup` : "—"}`,
      `• tls tarball: ${tar ? `${inlineCode(tar.path)} (${humanSize(tar.size)})` : "—"}`,
    ];
  });
}

export function serverRollReport(op: OpRecord, nodes: ReadonlyMap<string, NodeLedger>): string[] {
  const lines = nodesOf(op, PHASE.servers, "server").map((name) => {
    const led = nodes.get(name);
    const after = led?.facts[F.after] as LeafFact[] | undefined;
    const summary = led?.steps[stepKey(PHASE.servers, "verify-certs")]?.summary ?? "";
    // The summary and the backup path come from the node: text, never mrkdwn.
    const warn = summary.includes("⚠") ? ` ${escapeMrkdwn(summary.slice(summary.indexOf("⚠")))}` : "";
    return `• *${name}*: ${after?.length ?? 0} leaves renewed, earliest new expiry ${day(earliest(after ?? [])?.notAfter)}; old certificates in ${inlineCode(String(led?.facts[F.backupDir] ?? "—"))}${warn}`;
  });
  return [...lines, KUBECONFIG_REMINDER];
}

export function agentReport(op: OpRecord, nodes: ReadonlyMap<string, NodeLedger>): string[] {
  return nodesOf(op, PHASE.agents, "agent").map((name) => {
    const f = nodes.get(name)?.facts ?? {};
    const after = f[F.after] as LeafFact[] | undefined;
    const how = f.reenrolledAlone ? "re-enrolled by itself" : "rke2-agent restarted";
    return `• *${name}*: ${how}; earliest new expiry ${day(earliest(after ?? [])?.notAfter)}`;
  });
}

/**
 * "renewed" by the same rule the verify steps applied, at the time they applied it: every leaf
 * recorded before has a new serial, was valid then and expires beyond the renewal window.
 */
function resultOf(f: Readonly<Record<string, unknown>>, before: LeafFact[], after: LeafFact[]): string {
  const judged = f[F.judged] as JudgedRecord | undefined;
  if (before.length === 0 || after.length === 0) return "check";
  // Ledgers written before the rule was recorded: verify only stored "after" when all were renewed.
  if (!judged) return after.length === before.length ? "renewed" : "check";
  const policy = { now: new Date(judged.at), renewalWindowDays: judged.renewalWindowDays };
  return compareLeaves(before, after, policy).every((c) => c.verdict === "renewed") ? "renewed" : "check";
}

/** Before/after table: earliest leaf expiry per node. */
export function rotationCompletion(op: OpRecord, nodes: ReadonlyMap<string, NodeLedger>): CompletionText {
  const cluster = op.phases
    .flatMap((p) => p.items)
    .filter(
      (i, idx, all) => all.findIndex((j) => j.node === i.node) === idx && !i.steps.includes("final-health"),
    );
  const perNode = cluster.map((i) => {
    const f = nodes.get(i.node)?.facts ?? {};
    const before = (f[F.before] as LeafFact[] | undefined) ?? [];
    const after = (f[F.after] as LeafFact[] | undefined) ?? [];
    return { i, f, before, after, changes: keyChanges(before, after) };
  });
  const rows = perNode.map(({ i, f, before, after, changes }) => [
    i.node,
    i.role,
    String(before.length),
    day(earliest(before)?.notAfter),
    day(earliest(after)?.notAfter),
    newKeysCell(changes),
    resultOf(f, before, after),
  ]);
  const stale = staleKubeconfigNotes(op.cluster, perNode);
  return {
    ...(stale.found ? { actions: [refreshOffer(op)] } : {}),
    table: {
      headers: [
        "node",
        "role",
        "leaves",
        "earliest expiry before",
        "earliest expiry after",
        "new keys",
        "result",
      ],
      rows,
    },
    notes: [
      "Every node Ready and /readyz ok on every server.",
      ...keyChangeNotes(perNode.map(({ i, changes }) => ({ node: i.node, changes }))),
      ...stale.notes,
    ],
  };
}

/** Copies of rke2.yaml the kubeconfig-copies step found still holding the old client certificate. */
function staleKubeconfigNotes(
  cluster: string,
  perNode: ReadonlyArray<{ i: { node: string }; f: Readonly<Record<string, unknown>> }>,
): { notes: string[]; found: number } {
  const found = perNode.flatMap(({ i, f }) =>
    ((f[STALE_KUBECONFIGS] as string[] | undefined) ?? []).map(
      (p) => `• *${escapeMrkdwn(i.node)}* ${inlineCode(p)}`,
    ),
  );
  if (!perNode.some(({ f }) => Array.isArray(f[STALE_KUBECONFIGS])))
    return { notes: [KUBECONFIG_REMINDER], found: 0 };
  if (found.length === 0)
    return { notes: ["No stale `~/.kube/config` copy of `rke2.yaml` on the servers."], found: 0 };
  return {
    notes: [
      `:warning: ${found.length === 1 ? "This kubeconfig copy holds" : `These ${found.length} kubeconfig copies hold`} the old client certificate (\`kubectl\` there fails with x509 errors):`,
      ...found,
      `An approver can refresh them from \`rke2.yaml\`, keeping each copy's \`server:\`: *Refresh kubeconfig copies* below, or \`/rke2 refresh-kubeconfigs ${cluster}\`.`,
    ],
    found: found.length,
  };
}
