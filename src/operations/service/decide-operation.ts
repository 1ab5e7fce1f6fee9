import type { DecisionAction, Outcome } from "../operations-api.js";
import type { CommandRequester } from "../requester.js";
import type { OpRecord } from "../engine/records.js";
import { applyDecision, expireIfDue, requestCancel, type Transition } from "../engine/state-machine.js";
import { auditOf, type ServiceDeps } from "./service-deps.js";

/**
 * Apply a transition with compare-and-set on the record version. Two approvers clicking at once
 * both compute "approve"; exactly one CAS wins, the other re-reads and is told it is out of date.
 */
async function transact(
  d: ServiceDeps,
  opId: string,
  by: string,
  compute: (op: OpRecord) => Transition,
): Promise<Outcome> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const op = await d.ledger.get(opId);
    if (!op) return { ok: false, message: `No operation ${opId}.` };
    const tr = compute(op);
    const now = d.clock.now();
    if (!tr.ok) {
      // An expired gate is closed by whoever notices first (click, expiry job or sweeper).
      if (
        tr.next &&
        !(await d.ledger.casOp(op, tr.next, auditOf(now, "decision", "approval expired"), "release"))
      )
        continue;
      if (tr.next)
        await announce(
          d,
          tr.next,
          `${opId} expired: no decision within ${d.policy.expireAfterMinutes} minutes. Nothing further was changed.`,
        );
      return { ok: false, operationId: opId, message: tr.message };
    }
    if (tr.next === op) return { ok: true, operationId: opId, message: tr.message };
    const lock = tr.effect === "release" ? "release" : undefined;
    if (!(await d.ledger.casOp(op, tr.next, auditOf(now, "decision", tr.message, by), lock))) continue;
    const next = { ...tr.next, version: op.version + 1 };
    if (tr.effect === "run") await d.scheduler.enqueueRun(opId, next.runSeq);
    await announce(d, next, tr.message);
    return { ok: true, operationId: opId, message: tr.message };
  }
  return { ok: false, operationId: opId, message: `${opId} is busy; try again.` };
}

async function announce(d: ServiceDeps, op: OpRecord, text: string): Promise<void> {
  await d.notifier.thread(op, { kind: "text", text });
  await d.notifier.updateMain(op, await d.ledger.nodes(op.id));
}

export function decideOperation(
  d: ServiceDeps,
  opId: string,
  action: DecisionAction,
  token: string,
  by: CommandRequester,
): Promise<Outcome> {
  return transact(d, opId, by.userId, (op) =>
    applyDecision(op, action, token, by.userId, d.clock.now(), d.policy),
  );
}

export function cancelOperation(d: ServiceDeps, opId: string, by: CommandRequester): Promise<Outcome> {
  return transact(d, opId, by.userId, (op) => requestCancel(op, by.userId, d.clock.now(), d.policy));
}

/**
 * The expiry job (and the sweeper) call this. Returns the ms still to wait when the injected
 * clock says the gate is not due yet, so the caller can re-delay; 0 when done or not applicable.
 */
export async function expireOperation(d: ServiceDeps, opId: string, token: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const op = await d.ledger.get(opId);
    if (!op?.gate || op.gate.token !== token) return 0;
    const now = d.clock.now();
    const next = expireIfDue(op, now);
    if (!next) return Math.max(1, Date.parse(op.gate.expiresAt) - now.getTime());
    if (!(await d.ledger.casOp(op, next, auditOf(now, "decision", "approval expired"), "release"))) continue;
    await announce(
      d,
      { ...next, version: op.version + 1 },
      `${opId} expired: no decision within ${d.policy.expireAfterMinutes} minutes. Nothing further was changed.`,
    );
    return 0;
  }
  return 0;
}
