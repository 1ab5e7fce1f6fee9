import { channelVerdict } from "../../access/access-check.js";
import type { DecisionAction, Outcome } from "../operations-api.js";
import type { CommandRequester } from "../requester.js";
import type { Actor } from "../engine/authorize.js";
import type { AuditEntry, OpRecord } from "../engine/records.js";
import { applyDecision, expireIfDue, requestCancel, type Transition } from "../engine/state-machine.js";
import { escapeMrkdwn } from "../../shared/mrkdwn.js";
import { abortCleanup } from "./abort-cleanup.js";
import { auditOf, type ServiceDeps } from "./service-deps.js";

type Act = DecisionAction | "cancel";

/** The clicker as the pure rules need them: group membership and channel looked up here (I/O). */
async function actorFor(d: ServiceDeps, op: OpRecord, by: CommandRequester): Promise<Actor> {
  return {
    userId: by.userId,
    ...(by.userName ? { userName: by.userName } : {}),
    approver: await d.access.approver(op.cluster, by.userId),
    channel: channelVerdict(d.access.policy(op.cluster), by.channelId),
  };
}

const phaseId = (op: OpRecord) => op.phases[op.gate?.phase ?? op.phase]?.id;

function clickAudit(op: OpRecord, act: Act, by: CommandRequester, outcome: string): Partial<AuditEntry> {
  const phase = phaseId(op);
  return {
    action: act,
    outcome,
    ...(by.userName ? { byName: by.userName } : {}),
    ...(phase ? { phase } : {}),
  };
}

/**
 * Apply a transition with compare-and-set on the record version. Two approvers clicking at once
 * both compute "approve"; exactly one CAS wins, the other re-reads and is told it is out of date
 * (or, for a second approval of an N-of-M gate, counted on top of the first).
 */
async function transact(
  d: ServiceDeps,
  opId: string,
  act: Act,
  by: CommandRequester,
  compute: (op: OpRecord, actor: Actor) => Transition,
): Promise<Outcome> {
  let actor: Actor | undefined;
  for (let attempt = 0; attempt < 20; attempt++) {
    const op = await d.ledger.get(opId);
    if (!op) return { ok: false, message: `No operation ${opId}.` };
    actor ??= await actorFor(d, op, by);
    const tr = compute(op, actor);
    const now = d.clock.now();
    if (!tr.ok) {
      // An expired gate is closed by whoever notices first (click, expiry job or sweeper).
      if (tr.next && !(await d.ledger.casOp(op, tr.next, expiredAudit(now), "release"))) continue;
      await d.ledger.appendAudit(
        op.cluster,
        op.id,
        auditOf(
          now,
          "decision",
          `${act} refused: ${tr.message}`,
          by.userId,
          clickAudit(op, act, by, `refused: ${tr.message}`),
        ),
      );
      if (tr.next) await announce(d, tr.next, expiredText(d, tr.next));
      return { ok: false, operationId: opId, message: tr.message };
    }
    if (tr.next === op) return { ok: true, operationId: opId, message: tr.message };
    // Idempotent: a lost CAS below re-runs it on the next attempt.
    const undone = act === "abort" ? await abortCleanup(d, op) : [];
    const lock = tr.effect === "release" ? "release" : undefined;
    const audit = auditOf(now, "decision", tr.message, by.userId, clickAudit(op, act, by, "accepted"));
    if (!(await d.ledger.casOp(op, tr.next, audit, lock))) continue;
    const next = { ...tr.next, version: op.version + 1 };
    if (tr.effect === "run") await d.scheduler.enqueueRun(opId, next.runSeq);
    await announce(d, next, [tr.message, ...undone.map((l) => `• ${escapeMrkdwn(l)}`)].join("\n"));
    return { ok: true, operationId: opId, message: tr.message };
  }
  return { ok: false, operationId: opId, message: `${opId} is busy; try again.` };
}

const expiredAudit = (now: Date) =>
  auditOf(now, "decision", "approval expired", "system", { action: "expire", outcome: "lapsed" });

const expiredText = (d: ServiceDeps, op: OpRecord) =>
  `${op.id} lapsed: no decision within ${d.access.policy(op.cluster).expireAfterMinutes} minutes, so its buttons were removed. Nothing further was changed; ask again with \`/rke2 ${op.kind} ${op.cluster}\` if it is still needed.`;

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
  return transact(d, opId, action, by, (op, actor) =>
    applyDecision(op, action, token, actor, d.clock.now(), d.access.policy(op.cluster)),
  );
}

export function cancelOperation(d: ServiceDeps, opId: string, by: CommandRequester): Promise<Outcome> {
  return transact(d, opId, "cancel", by, (op, actor) =>
    requestCancel(op, actor, d.clock.now(), d.access.policy(op.cluster)),
  );
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
    if (!(await d.ledger.casOp(op, next, expiredAudit(now), "release"))) continue;
    await announce(d, { ...next, version: op.version + 1 }, expiredText(d, next));
    return 0;
  }
  return 0;
}
