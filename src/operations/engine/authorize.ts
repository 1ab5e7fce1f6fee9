import type { Membership, Verdict } from "../../access/access-check.js";
import type { OpRecord } from "./records.js";

export interface ApprovalPolicy {
  /** User IDs and user group IDs (S…); shown on the gate as who may approve. */
  approvers: readonly string[];
  requireDistinctApprover: boolean;
  expireAfterMinutes: number;
  /** Approvals per phase id, `default` for the rest (absent: 1). */
  approvalsRequired?: Readonly<Record<string, number>>;
}

export type Act = "approve" | "reject" | "retry" | "abort" | "cancel";

/** What the service found out about the clicker before the pure decision (group lookups are I/O). */
export interface Actor {
  userId: string;
  userName?: string;
  approver: Membership;
  /** channelOnly: was the click made in the cluster's channel? */
  channel: Verdict;
}

/** A plain user id with no groups involved (tests, callers that resolved nothing). */
export function actorFromList(userId: string, policy: ApprovalPolicy): Actor {
  return { userId, approver: { ok: true, member: policy.approvers.includes(userId) }, channel: { ok: true } };
}

/**
 * Who may do what. Approve and Retry let dangerous work proceed, so they need an approver other
 * than the requester (with requireDistinctApprover). Reject, Abort and Cancel only stop work, so
 * the requester may also withdraw their own operation; stopping is always the safe direction.
 * An approver group that could not be resolved refuses (fail closed).
 */
export function authorize(
  op: OpRecord,
  act: Act,
  actor: Actor,
  policy: ApprovalPolicy,
): { ok: true } | { ok: false; message: string } {
  if (!actor.channel.ok) return { ok: false, message: actor.channel.reason };
  const isRequester = op.requestedBy.userId === actor.userId;
  const verb = act === "approve" ? "approve" : act === "retry" ? "retry" : act;
  if (act === "approve" || act === "retry") {
    if (policy.requireDistinctApprover && isRequester)
      return {
        ok: false,
        message: `You requested ${op.id}; another approver must ${verb} it (no self-approval).`,
      };
    if (!actor.approver.ok)
      return { ok: false, message: `Cannot ${verb} ${op.id}: ${actor.approver.reason}.` };
    if (!actor.approver.member)
      return {
        ok: false,
        message: `You are not an approver of ${op.cluster}; only the configured approvers can ${verb} ${op.id}.`,
      };
    return { ok: true };
  }
  if (isRequester || (actor.approver.ok && actor.approver.member)) return { ok: true };
  if (!actor.approver.ok) return { ok: false, message: `Cannot ${verb} ${op.id}: ${actor.approver.reason}.` };
  return { ok: false, message: `Only the configured approvers or the requester can ${verb} ${op.id}.` };
}
