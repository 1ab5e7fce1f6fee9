import { DelayedError, Queue, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Clock } from "../shared/clock.js";
import type { Logger } from "../shared/logger.js";
import type { OperationScheduler } from "../operations/engine/ports.js";
import type { OperationHandlers } from "../operations/runner-ports.js";
import { withJobDecisions } from "./job-decision.js";
import { watchLease } from "./lease-watchdog.js";

export interface OperationQueueOptions {
  queueName?: string;
  /** BullMQ job lock; a SIGKILLed worker's job is re-delivered roughly this long after its last renewal. */
  lockDuration?: number;
  stalledInterval?: number;
  /** Re-deliveries after stalls before BullMQ gives up. High: every delivery resumes safely from the ledger. */
  maxStalledCount?: number;
  concurrency?: number;
  /** Backstop for lost enqueues and expiries (a crash between a decision and its enqueue). */
  sweepIntervalMs?: number;
}

export type RunJob = { opId: string };
export type ExpireJob = { opId: string; token: string };

const runJobId = (opId: string, runSeq: number) => `${opId}-run-${runSeq}`;
const KEEP = { removeOnComplete: { age: 7 * 86_400 }, removeOnFail: { age: 30 * 86_400 } };
/** Unexpected errors (Redis down) are retried; step failures never throw, they halt the op in the ledger. */
const RUN_OPTS = { attempts: 50, backoff: { type: "exponential" as const, delay: 2000 }, ...KEEP };

/**
 * BullMQ as transport only: "run operation X" and "expire gate T of X". Job ids are derived from
 * (op, runSeq) and (op, token), so a repeated enqueue while the job exists is a no-op; the ledger,
 * not the job, says what is done.
 */
export function createOperationQueue(
  redis: Redis,
  prefix: string,
  clock: Clock,
  log: Logger,
  o: OperationQueueOptions = {},
) {
  const name = o.queueName ?? "operations";
  const conns = [redis.duplicate(), redis.duplicate({ maxRetriesPerRequest: null })];
  // ioredis reconnects by itself; without a listener every failed reconnect is an "unhandled error".
  conns.forEach((c) =>
    c.on("error", (err: Error) => log.warn({ err }, "operations queue: Redis connection error")),
  );
  const queue = new Queue(name, { connection: conns[0]!, prefix });
  queue.on("error", (err: Error) => log.warn({ err }, "operations queue error"));
  const scheduler: OperationScheduler & {
    ensureRun(opId: string, runSeq: number, version: number): Promise<void>;
  } = {
    async enqueueRun(opId, runSeq) {
      await queue.add("run", { opId } satisfies RunJob, { jobId: runJobId(opId, runSeq), ...RUN_OPTS });
    },
    async scheduleExpiry(opId, token, at) {
      const delay = Math.max(0, at.getTime() - clock.now().getTime());
      await queue.add("expire", { opId, token } satisfies ExpireJob, {
        jobId: `${opId}-exp-${token}`,
        delay,
        attempts: 20,
        backoff: { type: "exponential", delay: 5000 },
        ...KEEP,
      });
    },
    /**
     * Sweeper backstop: the op is running but no run job of it is queued or active (a crash between
     * a decision's CAS and its enqueue, or a job that gave up). Re-deliver; the ledger makes it safe.
     */
    async ensureRun(opId, runSeq, version) {
      const live = await queue.getJobs(["active", "waiting", "delayed", "prioritized"], 0, 1000);
      if (live.some((j) => j.name === "run" && (j.data as RunJob).opId === opId)) return;
      const job = await queue.getJob(runJobId(opId, runSeq));
      if (!job) return scheduler.enqueueRun(opId, runSeq);
      if ((await job.getState()) === "failed") return job.retry("failed");
      await queue.add("run", { opId } satisfies RunJob, {
        jobId: `${runJobId(opId, runSeq)}-v${version}`,
        ...RUN_OPTS,
      });
    },
  };

  let worker: Worker | undefined;
  async function startWorker(h: OperationHandlers): Promise<void> {
    const sweepEvery = o.sweepIntervalMs ?? 60_000;
    const lockDuration = o.lockDuration ?? 30_000;
    await queue.upsertJobScheduler("operations-sweep", { every: sweepEvery }, { name: "sweep", data: {} });
    worker = new Worker(
      name,
      withJobDecisions(async (job: Job, token?: string, signal?: AbortSignal) => {
        if (job.name === "run") {
          const lease = watchLease({
            renew: () => job.extendLock(token ?? "", lockDuration),
            lockDurationMs: lockDuration,
            clock,
            log: log.child({ job: job.id }),
            parent: signal,
          });
          let until: Date | undefined;
          try {
            until = await h.run((job.data as RunJob).opId, lease.signal);
          } finally {
            lease.stop();
          }
          if (!until) return;
          await job.moveToDelayed(Date.now() + Math.max(0, until.getTime() - clock.now().getTime()), token);
          throw new DelayedError();
        }
        if (job.name === "expire") {
          const waitMs = await h.expire((job.data as ExpireJob).opId, (job.data as ExpireJob).token);
          if (waitMs <= 0) return;
          await job.moveToDelayed(Date.now() + waitMs, token);
          throw new DelayedError();
        }
        if (job.name === "sweep") await h.sweep();
      }),
      {
        connection: conns[1]!,
        prefix,
        concurrency: o.concurrency ?? 4,
        lockDuration,
        stalledInterval: o.stalledInterval ?? 30_000,
        maxStalledCount: o.maxStalledCount ?? 1000,
      },
    );
    worker.on("error", (err) => log.error({ err }, "operation worker error"));
    worker.on("failed", (job, err) => log.warn({ job: job?.id, err }, "operation job failed"));
    // A worker that cannot renew its lock is a zombie-to-be: stop its work (another delivery resumes).
    worker.on("lockRenewalFailed", (ids: string[]) =>
      ids.forEach((id) => worker?.cancelJob(id, "lock renewal failed")),
    );
    await worker.waitUntilReady();
  }

  return {
    queue,
    scheduler,
    startWorker,
    async close(): Promise<void> {
      await worker?.close();
      await queue.close();
      conns.forEach((c) => c.disconnect());
    },
  };
}
export type OperationQueue = ReturnType<typeof createOperationQueue>;
export type { OperationHandlers } from "../operations/runner-ports.js";
