import { expect } from "vitest";
import type { OpRecord } from "../../../src/operations/engine/records.js";
import type { OperationKind } from "../../../src/operations/operations-api.js";
import type { ChatMessage } from "../../../src/shared/chat-port.js";
import { APPROVERS, finished, REQUESTER, type Harness } from "./harness.js";
import { textOf } from "./recording-chat.js";

/**
 * The end-to-end choreography every flow test repeats: request → approve each gate → final
 * state, waiting on the ledger (never on time) between clicks.
 */

export interface DriveOptions {
  /** Approvers in click order, cycled (distinct in turn, as requireDistinctApprover wants). */
  approvers?: string[];
  /** Runs at each approval gate before its click (phase = the phase the gate opens). */
  atGate?(op: OpRecord, phase: number): unknown;
  /** Stop at the gate of this phase instead of approving it. */
  stopAtPhase?: number;
}

/** Request as REQUESTER (or `by`); expects the operation accepted, its plan posted at the first gate. */
export async function requestOperation(
  h: Harness,
  kind: OperationKind,
  cluster: string,
  args: string[] = [],
  by = REQUESTER,
): Promise<OpRecord> {
  const req = await h.ops.request(kind, cluster, args, { userId: by });
  expect(req.ok, req.message).toBe(true);
  const op = await h.op(req.operationId!);
  expect(op).toMatchObject({ status: "awaiting-approval", phase: 0, kind });
  return op;
}

/** Approve gate after gate; returns the record once it finished, halted, or reached `stopAtPhase`. */
export async function approveToEnd(h: Harness, id: string, o: DriveOptions = {}): Promise<OpRecord> {
  const approvers = o.approvers ?? APPROVERS;
  for (let n = 0; ; n++) {
    const op = await h.waitFor(
      id,
      (x) => finished(x) || x.status === "halted" || x.status === "awaiting-approval",
    );
    if (op.status !== "awaiting-approval" || op.phase === o.stopAtPhase) return op;
    await o.atGate?.(op, op.phase);
    const click = await h.click(id, "approve", approvers[n % approvers.length]);
    // Committed before decide() returns: "running", or one more approval of N (same gate, next approver).
    expect(click.ok, click.message).toBe(true);
  }
}

/** request + approveToEnd. */
export async function runOperation(
  h: Harness,
  kind: OperationKind,
  cluster: string,
  args: string[] = [],
  o: DriveOptions = {},
): Promise<{ id: string; planned: OpRecord; op: OpRecord }> {
  const planned = await requestOperation(h, kind, cluster, args);
  return { id: planned.id, planned, op: await approveToEnd(h, planned.id, o) };
}

/** The operation message as last posted or updated. */
export const mainMessage = (h: Harness, op: OpRecord): ChatMessage => h.chat.latest(op.message!.ts)!;

/** The operation's thread replies so far, as one text. */
export const threadText = (h: Harness, op: OpRecord): string =>
  h.chat.thread(op.message!.ts).map(textOf).join("\n");
