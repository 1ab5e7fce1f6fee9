import type { DecisionAction } from "../operations-api.js";
import { actorFromList, authorize, type Actor, type ApprovalPolicy } from "./authorize.js";
import { isTerminal, type DecisionRecord, type FailureInfo, type Gate, type OpRecord } from "./records.js";

/**
 * Pure transitions of an operation record. Callers commit `next` with a compare-and-set on the
 * record's version, so of two concurrent clicks exactly one wins; the loser re-reads and gets the
 * "already decided" answer from here.
 */
export type Effect = "run" | "release" | "none";
export type Transition =
  | { ok: true; next: OpRecord; effect: Effect; message: string }
  | { ok: false; message: string; next?: OpRecord; effect?: Effect };

const iso = (d: Date) => d.toISOString();

/** An approval gate needs `approvalsRequired[phaseId]` distinct approvers; a failure gate (retry/abort) one decision. */
export function openGate(
  kind: Gate["kind"],
  phase: number,
  token: string,
  now: Date,
  policy: ApprovalPolicy,
  phaseId?: string,
): Gate {
  const map = policy.approvalsRequired ?? {};
  const required = kind === "approval" ? ((phaseId ? map[phaseId] : undefined) ?? map.default ?? 1) : 1;
  return {
    kind,
    token,
    phase,
    openedAt: iso(now),
    expiresAt: iso(new Date(now.getTime() + policy.expireAfterMinutes * 60_000)),
    required,
    approvals: [],
    approvers: [...policy.approvers],
  };
}

const asActor = (by: string | Actor, policy: ApprovalPolicy): Actor =>
  typeof by === "string" ? actorFromList(by, policy) : by;

const who = (approvals: NonNullable<Gate["approvals"]>) => approvals.map((a) => `<@${a.by}>`).join(", ");

const decided = (op: OpRecord, d: DecisionRecord): OpRecord => ({ ...op, decisions: [...op.decisions, d] });

function finish(op: OpRecord, status: OpRecord["status"], now: Date): OpRecord {
  const { gate: _gate, ...rest } = op;
  return { ...rest, status, finishedAt: iso(now) };
}

/** What the last decision was, for a click on a button that is out of date. */
export function describeLast(op: OpRecord): string {
  const last = op.decisions.at(-1);
  const what = last ? ` (last: ${last.action} by <@${last.by}> at ${last.at})` : "";
  return `${op.id} is ${op.status}${what}; this button is out of date.`;
}

export function expireIfDue(op: OpRecord, now: Date): OpRecord | undefined {
  if (!op.gate || (op.status !== "awaiting-approval" && op.status !== "halted")) return undefined;
  if (now.getTime() < Date.parse(op.gate.expiresAt)) return undefined;
  return finish(
    decided(op, { action: "expire", by: "system", at: iso(now), phase: op.gate.phase }),
    "expired",
    now,
  );
}

export function applyDecision(
  op: OpRecord,
  action: DecisionAction,
  token: string,
  byActor: string | Actor,
  now: Date,
  policy: ApprovalPolicy,
): Transition {
  if (isTerminal(op.status)) return { ok: false, message: describeLast(op) };
  const actor = asActor(byActor, policy);
  const by = actor.userId;
  const gate = op.gate;
  if (!gate || gate.token !== token) return { ok: false, message: describeLast(op) };
  const auth = authorize(op, action, actor, policy);
  if (!auth.ok) return auth;
  const wanted = action === "approve" || action === "reject" ? "approval" : "failure";
  if (gate.kind !== wanted)
    return { ok: false, message: `${action} does not apply now: ${describeLast(op)}` };
  const expired = expireIfDue(op, now);
  if (expired)
    return {
      ok: false,
      next: expired,
      effect: "release",
      message: `This request expired at ${gate.expiresAt}; ${op.id} was cancelled and changed nothing further.`,
    };
  const rec = decided(op, { action, by, at: iso(now), phase: gate.phase });
  const title = op.phases[gate.phase]?.title;
  const phaseName = `phase ${gate.phase + 1}${title ? ` (${title})` : ""}`;
  if (action === "approve") {
    const already = gate.approvals ?? [];
    const required = gate.required ?? 1;
    if (already.some((a) => a.by === by))
      return {
        ok: false,
        message: `You already approved ${phaseName} of ${op.id} (${already.length} of ${required} approvals); it needs a different approver.`,
      };
    const approvals = [...already, { by, at: iso(now), ...(actor.userName ? { name: actor.userName } : {}) }];
    if (approvals.length < required)
      return {
        ok: true,
        next: { ...rec, gate: { ...gate, approvals } },
        effect: "none",
        message: `<@${by}> approved ${phaseName} of ${op.id}: ${approvals.length} of ${required} approvals: ${who(approvals)}; ${required - approvals.length} more needed.`,
      };
  }
  switch (action) {
    case "approve":
    case "retry": {
      const { gate: _g, failure: _f, ...rest } = rec;
      const next: OpRecord = { ...rest, status: "running", phase: gate.phase, runSeq: op.runSeq + 1 };
      const what =
        action === "approve" ? `approved phase ${gate.phase + 1}` : `retrying phase ${gate.phase + 1}`;
      return { ok: true, next, effect: "run", message: `<@${by}> ${what} of ${op.id}.` };
    }
    case "reject":
      return {
        ok: true,
        next: finish(rec, "rejected", now),
        effect: "release",
        message: `<@${by}> rejected ${op.id}; nothing was changed in this phase.`,
      };
    case "abort":
      return {
        ok: true,
        next: finish(rec, "aborted", now),
        effect: "release",
        message: `<@${by}> aborted ${op.id}.`,
      };
  }
}

export function requestCancel(
  op: OpRecord,
  byActor: string | Actor,
  now: Date,
  policy: ApprovalPolicy,
): Transition {
  if (isTerminal(op.status)) return { ok: false, message: describeLast(op) };
  const actor = asActor(byActor, policy);
  const by = actor.userId;
  const auth = authorize(op, "cancel", actor, policy);
  if (!auth.ok) return auth;
  const rec = decided(op, { action: "cancel", by, at: iso(now), phase: op.phase });
  if (op.status === "running") {
    if (op.cancelRequested)
      return {
        ok: true,
        next: op,
        effect: "none",
        message: `Cancellation of ${op.id} was already requested.`,
      };
    return {
      ok: true,
      next: { ...rec, cancelRequested: { by, at: iso(now) } },
      effect: "none",
      message: `${op.id} will stop before its next step.`,
    };
  }
  return {
    ok: true,
    next: finish(rec, "cancelled", now),
    effect: "release",
    message: `<@${by}> cancelled ${op.id}.`,
  };
}

// ---- transitions made by the engine while it runs a phase ----

export function beginPhase(op: OpRecord, now: Date): OpRecord {
  const times = [...op.phaseTimes];
  const t = times[op.phase] ?? {};
  times[op.phase] = { ...t, startedAt: t.startedAt ?? iso(now) };
  const { waitingUntil: _w, waitingReason: _r, ...rest } = op;
  return { ...rest, phaseTimes: times };
}

export function waitUntil(op: OpRecord, until: Date, reason: string): OpRecord {
  return { ...op, waitingUntil: iso(until), waitingReason: reason };
}

/** Phase done: open the next approval gate, or complete. */
export function completePhase(op: OpRecord, now: Date, nextToken: string, policy: ApprovalPolicy): OpRecord {
  const times = [...op.phaseTimes];
  times[op.phase] = { ...(times[op.phase] ?? {}), completedAt: iso(now) };
  const done = { ...op, phaseTimes: times };
  if (op.phase + 1 >= op.phases.length) return finish(done, "completed", now);
  return {
    ...done,
    status: "awaiting-approval",
    phase: op.phase + 1,
    gate: openGate("approval", op.phase + 1, nextToken, now, policy, op.phases[op.phase + 1]?.id),
  };
}

export function halt(
  op: OpRecord,
  failure: FailureInfo,
  now: Date,
  token: string,
  policy: ApprovalPolicy,
): OpRecord {
  return { ...op, status: "halted", failure, gate: openGate("failure", op.phase, token, now, policy) };
}

export function cancelNow(op: OpRecord, now: Date): OpRecord {
  return finish(op, "cancelled", now);
}
