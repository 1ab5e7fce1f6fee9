import { isTerminal } from "../engine/records.js";
import { expireOperation } from "./decide-operation.js";
import { auditOf, type ServiceDeps } from "./service-deps.js";

/**
 * Periodic backstop (a BullMQ job scheduler runs it on some worker): re-delivers running
 * operations whose run job went missing, expires gates whose expiry job was lost, and closes
 * operations whose preflight died with its process (a live preflight renews its lock, so one
 * whose lock has expired or passed to another operation is dead).
 */
export async function sweepOperations(
  d: ServiceDeps,
  ensureRun: (opId: string, runSeq: number, version: number) => Promise<void>,
): Promise<void> {
  for (const id of await d.ledger.activeOps()) {
    const op = await d.ledger.get(id);
    if (!op || isTerminal(op.status)) continue;
    if (op.status === "running") await ensureRun(op.id, op.runSeq, op.version);
    else if (op.gate && (op.status === "awaiting-approval" || op.status === "halted"))
      await expireOperation(d, op.id, op.gate.token);
    else if (
      op.status === "preflight" &&
      d.clock.now().getTime() - Date.parse(op.requestedAt) > d.preflightLockTtlMs &&
      (await d.ledger.lockHolder(op.cluster)) !== op.id
    ) {
      const now = d.clock.now();
      await d.ledger.casOp(
        op,
        { ...op, status: "cancelled", finishedAt: now.toISOString() },
        auditOf(now, "status", "preflight abandoned (process stopped)"),
        "release",
      );
    }
  }
}
