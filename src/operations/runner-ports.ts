import type { AuditRecord } from "./audit/audit-record.js";
import type { OperationScheduler } from "./engine/ports.js";

/** What the worker does with each job; the transport knows nothing about operations beyond ids. */
export interface OperationHandlers {
  /** Returns a date to park the job until (maintenance window, shutdown yield), or undefined when done. */
  run(opId: string, signal: AbortSignal): Promise<Date | undefined>;
  /** Returns ms still to wait when not due yet, else 0. */
  expire(opId: string, token: string): Promise<number>;
  sweep(): Promise<void>;
}

/** The job transport (adapter: queue/operation-queue.ts over BullMQ), built by main/. */
export interface OperationRunner {
  scheduler: OperationScheduler & { ensureRun(opId: string, runSeq: number, version: number): Promise<void> };
  startWorker(handlers: OperationHandlers): Promise<void>;
  close(): Promise<void>;
}

/** Reads the audit trail of a cluster or an operation (adapter: queue/audit-stream.ts over Redis). */
export type AuditReader = (
  target: string,
) => Promise<{ cluster: string; records: AuditRecord[] } | undefined>;
