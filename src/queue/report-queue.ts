import { Queue, type JobsOptions } from "bullmq";
import type { Inventory } from "../config/inventory.js";
import type { QueueContext } from "./connection.js";

export const REPORT_QUEUE = "report";
export const DAILY_REPORT_SCHEDULER = "daily-cert-report";

/**
 * A scheduler firing fans out into one BullMQ flow per cluster: a `cluster` parent whose `shard`
 * children each scan at most `report.shardNodes` of its nodes, on whichever worker replica takes
 * them. The parent runs once every shard has landed and posts the cluster's report. A `cluster`
 * job without `shards` (added by hand, or by an older version) scans the whole cluster itself.
 */
export type ReportJobData =
  | { kind: "firing"; firingMs?: number }
  | { kind: "cluster"; cluster: string; firingMs: number; date: string; shards?: number }
  | { kind: "shard"; cluster: string; firingMs: number; shard: number; shards: number; nodes: string[] };

/** What a shard job returns (its BullMQ returnvalue, read by the parent). */
export type { ShardResult } from "../scan/report-shards.js";

export const FIRING_JOB_OPTS: JobsOptions = {
  attempts: 5,
  backoff: { type: "exponential", delay: 2000 },
  removeOnComplete: { age: 7 * 86_400, count: 500 },
  removeOnFail: { age: 30 * 86_400 },
};

/** Per-cluster reports retry for about 10 minutes: a Slack or SSH hiccup must not cost the day's report. */
export const CLUSTER_REPORT_JOB_OPTS: JobsOptions = {
  attempts: 6,
  backoff: { type: "exponential", delay: 10_000 },
  removeOnComplete: { age: 7 * 86_400, count: 2000 },
  removeOnFail: { age: 30 * 86_400 },
};

/**
 * A shard retries alone (its siblings' results stay with the parent). Unreachable nodes are
 * results, not failures, so a shard fails only on a Redis or bug-level error. If it never
 * succeeds, the parent still reports, listing that shard's nodes as not scanned.
 */
export const SHARD_JOB_OPTS: JobsOptions = {
  attempts: 5,
  backoff: { type: "exponential", delay: 2000 },
  removeOnComplete: { age: 86_400, count: 5000 },
  removeOnFail: { age: 30 * 86_400 },
  ignoreDependencyOnFailure: true,
};

export function createReportQueue(ctx: QueueContext): Queue<ReportJobData> {
  return new Queue<ReportJobData>(REPORT_QUEUE, { connection: ctx.connection, prefix: ctx.prefix });
}

/**
 * Called at every start by every process: BullMQ's job scheduler keeps one schedule in Redis and
 * produces one job per firing (id `repeat:daily-cert-report:<ms>`) however many replicas upsert it.
 */
export async function upsertDailyReportScheduler(
  queue: Queue<ReportJobData>,
  report: Inventory["report"],
): Promise<void> {
  await queue.upsertJobScheduler(
    DAILY_REPORT_SCHEDULER,
    { pattern: report.schedule, tz: report.timezone },
    { name: DAILY_REPORT_SCHEDULER, data: { kind: "firing" }, opts: FIRING_JOB_OPTS },
  );
}
