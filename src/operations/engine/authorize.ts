import type { OpRecord } from "./records.js";

export interface ApprovalPolicy {
  approvers: readonly string[];
  requireDistinctApprover: boolean;
  expireAfterMinutes: number;
}

export type Act = "approve" | "reject" | "retry" | "abort" | "cancel";

/**
 * Who may do what. Approve and Retry let dangerous work proceed, so they need an approver other
 * than the requester (with requireDistinctApprover). Reject, Abort and Cancel only stop work, so
 * the requester may also withdraw their own operation; stopping is always the safe direction.
 */
export function authorize(
  op: OpRecord,
  act: Act,
  userId: string,
  policy: ApprovalPolicy,
): { ok: true } | { ok: false; message: string } {
  const isApprover = policy.approvers.includes(userId);
  const isRequester = op.requestedBy.userId === userId;
  if (act === "approve" || act === "retry") {
    if (!isApprover)
      return {
        ok: false,
        message: `Only the configured approvers can ${act === "approve" ? "approve" : "retry"} ${op.id}.`,
      };
    if (policy.requireDistinctApprover && isRequester)
      return {
        ok: false,
        message: `You requested ${op.id}; another approver must ${act === "approve" ? "approve" : "retry"} it.`,
      };
    return { ok: true };
  }
  if (isApprover || isRequester) return { ok: true };
  return { ok: false, message: `Only the configured approvers or the requester can ${act} ${op.id}.` };
}
