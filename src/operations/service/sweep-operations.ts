import { isTerminal } from "../engine/records.js";
import { expireOperation } from "./decide-operation.js";
import { auditOf, type ServiceDeps } from "./service-deps.js";

/**
 * When this process first saw each preflight that no longer holds its cluster lock (ms). A live
 * preflight renews its lock every third of the TTL and, once it finds the lock gone, stops and
 * records why itself; only one still there `preflightNoticeMs` later died with its process.
 */
export type PreflightSuspects = Map<string, number>;

const preflightNoticeMs = (ttlMs: number) => Math.ceil(ttlMs / 3) + Math.max(ttlMs, 5000);

/**
 * Periodic backstop (a BullMQ job scheduler runs it on some worker): re-delivers running
 * operations whose run job went missing, expires gates whose expiry job was lost, and closes
 * operations whose preflight died with its process (see PreflightSuspects).
 */
export async function sweepOperations(
  d: ServiceDeps,
  ensureRun: (opId: string, runSeq: number, version: number) => Promise<void>,
  suspects: PreflightSuspects,
): Promise<void> {
  const active = await d.ledger.activeOps();
  for (const id of suspects.keys()) if (!active.includes(id)) suspects.delete(id);
  for (const id of active) {
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
      const seenAt = suspects.get(op.id) ?? d.clock.now().getTime();
      suspects.set(op.id, seenAt);
      if (d.clock.now().getTime() - seenAt < preflightNoticeMs(d.preflightLockTtlMs)) continue;
      suspects.delete(op.id);
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
