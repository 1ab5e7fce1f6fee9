import type { AuditEntry } from "../engine/records.js";

/** One line of the JSON Lines audit export. */
export interface AuditRecord {
  time: string;
  actorId: string;
  actorName?: string;
  action: string;
  operation: string;
  cluster: string;
  phase?: string;
  node?: string;
  outcome: string;
}

export type StoredAuditEntry = AuditEntry & { op: string; cluster: string };

const DEFAULT_ACTION: Record<AuditEntry["kind"], string> = {
  request: "request",
  decision: "decision",
  phase: "phase",
  step: "step",
  failure: "step-failed",
  status: "status",
  note: "note",
};

export function toAuditRecord(e: StoredAuditEntry): AuditRecord {
  return {
    time: e.at,
    actorId: e.by ?? "system",
    ...(e.byName ? { actorName: e.byName } : {}),
    action: e.action ?? DEFAULT_ACTION[e.kind],
    operation: e.op,
    cluster: e.cluster,
    ...(e.phase ? { phase: e.phase } : {}),
    ...(e.node ? { node: e.node } : {}),
    outcome: e.outcome ?? e.text,
  };
}

export const toJsonLines = (rs: readonly AuditRecord[]): string =>
  rs.map((r) => JSON.stringify(r)).join("\n") + (rs.length ? "\n" : "");

/** A few lines for Slack or the terminal: span, counts by action, refusals. */
export function summarizeAudit(target: string, rs: readonly AuditRecord[]): string {
  if (!rs.length) return `No audit records for ${target}.`;
  const counts = new Map<string, number>();
  for (const r of rs) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
  const refused = rs.filter((r) => r.outcome.startsWith("refused")).length;
  const ops = new Set(rs.map((r) => r.operation).filter((o) => o !== "-"));
  return [
    `${rs.length} audit records for ${target} from ${rs[0]!.time} to ${rs.at(-1)!.time} (${ops.size} operation(s)).`,
    [...counts].map(([a, n]) => `${a}: ${n}`).join(", "),
    `${refused} refused.`,
  ].join("\n");
}
