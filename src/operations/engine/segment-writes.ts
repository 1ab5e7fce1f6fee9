import { policyOf } from "../../access/cluster-policy.js";
import type { Logger } from "../../shared/logger.js";
import type { OperationDefinition, PhaseDef } from "./definition.js";
import type { EngineDeps, SegmentOutcome } from "./engine.js";
import { FencedError } from "./ports.js";
import { isTerminal, type AuditEntry, type FailureInfo, type NodeLedger, type OpRecord } from "./records.js";
import { cancelNow, completePhase, halt } from "./state-machine.js";

/**
 * One delivery's view of its operation: the record as last committed by this delivery (`op`,
 * replaced after each write), the node ledgers the steps update in place, the fencing epoch.
 */
export interface Segment {
  d: EngineDeps;
  epoch: number;
  op: OpRecord;
  nodes: Map<string, NodeLedger>;
  log: Logger;
}

export const auditNote = (
  s: Segment,
  kind: AuditEntry["kind"],
  text: string,
  extra: Partial<AuditEntry> = {},
): AuditEntry[] => [{ at: s.d.clock.now().toISOString(), kind, text, ...extra }];

/**
 * Fenced read-modify-write of the record. A version race (a click, a cancel request) re-reads and
 * re-applies `fn`; a record no longer running, or a newer epoch, means another party owns it now.
 */
export async function update(
  s: Segment,
  fn: (o: OpRecord) => OpRecord,
  audit: AuditEntry[] = [],
): Promise<OpRecord> {
  for (let cur = s.op; ;) {
    const next = fn(cur);
    if (await s.d.ledger.commitOp(s.epoch, cur, next, audit, isTerminal(next.status) ? "release" : undefined))
      return (s.op = { ...next, version: cur.version + 1 });
    const fresh = await s.d.ledger.get(s.op.id);
    if (!fresh || fresh.status !== "running") throw new FencedError(s.op.id);
    cur = fresh;
  }
}

/** Cancel requested: end the operation before its next step. */
export async function cancel(s: Segment): Promise<SegmentOutcome> {
  const op = await update(
    s,
    (o) => cancelNow(o, s.d.clock.now()),
    auditNote(s, "status", "cancelled before the next step"),
  );
  await s.d.notifier.thread(op, {
    kind: "text",
    text: `${op.id} cancelled before its next step (requested by <@${op.cancelRequested?.by ?? "?"}>).`,
  });
  await s.d.notifier.updateMain(op, s.nodes);
  return { kind: "cancelled" };
}

/** Halt on a failure and open the Retry/Abort gate (its expiry scheduled before the buttons show). */
export async function fail(s: Segment, failure: FailureInfo): Promise<SegmentOutcome> {
  const { d } = s;
  const token = d.newToken();
  const op = await update(
    s,
    (o) => halt(o, failure, d.clock.now(), token, policyOf(d.inventory, o.cluster)),
    [
      {
        at: d.clock.now().toISOString(),
        kind: "failure",
        action: "step-failed",
        phase: s.op.phases[failure.phase]?.id ?? String(failure.phase),
        outcome: failure.message,
        node: failure.node,
        text: `${failure.step} failed: ${failure.message}`,
      },
    ],
  );
  await d.notifier.thread(op, { kind: "failure", op });
  await d.scheduler.scheduleExpiry(op.id, token, new Date(Date.parse(op.gate!.expiresAt)));
  await d.notifier.updateMain(op, s.nodes);
  return { kind: "halted" };
}

/** The phase ran to its end: complete the operation, or report the phase and open the next gate. */
export async function finishPhase(
  s: Segment,
  def: OperationDefinition,
  phaseDef: PhaseDef,
): Promise<SegmentOutcome> {
  const { d } = s;
  const token = d.newToken();
  const op = await update(
    s,
    (o) => completePhase(o, d.clock.now(), token, policyOf(d.inventory, o.cluster)),
    auditNote(s, "phase", `phase ${s.op.phase + 1} (${phaseDef.title}) done`, {
      action: "phase-end",
      phase: phaseDef.id,
      outcome: "done",
    }),
  );
  await d.hooks.probe?.(`${phaseDef.id}:phase-done`);
  if (op.status === "completed") {
    const c = def.completion(op, s.nodes);
    await d.notifier.thread(op, { kind: "completion", op, ...c });
    await d.notifier.updateMain(op, s.nodes);
    return { kind: "completed" };
  }
  await d.notifier.thread(op, {
    kind: "phase-report",
    phaseTitle: phaseDef.title,
    lines: phaseDef.report(op, s.nodes),
  });
  await d.scheduler.scheduleExpiry(op.id, token, new Date(Date.parse(op.gate!.expiresAt)));
  // Buttons last: a click can only arrive once everything this segment says has been said.
  await d.notifier.updateMain(op, s.nodes);
  return { kind: "gate" };
}
