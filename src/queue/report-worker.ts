import { FlowProducer, Worker, type Job, type Queue } from "bullmq";
import { countJobs } from "../observability/count-jobs.js";
import type { BotMetrics } from "../observability/metrics.js";
import type { ChatPort } from "../shared/chat-port.js";
import { dateInZone } from "../shared/date-in-zone.js";
import { readExpiryEvents } from "../rke2/expiry-events.js";
import type { ScanMessages } from "../scan/scan-messages.js";
import { stateKey, type QueueContext } from "./connection.js";
import { withJobDecisions } from "./job-decision.js";
import { postOnce } from "./report-post.js";
import { REPORT_QUEUE, type ReportJobData } from "./report-queue.js";
import { gatherCluster, queueClusterFlow } from "./report-shards.js";
import { runShard } from "../scan/report-shards.js";
import type { ScanRunDeps } from "../scan/scan-run.js";

export interface ReportWorkerDeps extends ScanRunDeps {
  ctx: QueueContext;
  queue: Queue<ReportJobData>;
  chat: ChatPort;
  messages: ScanMessages;
  metrics: Pick<BotMetrics, "jobs">;
  concurrency?: number;
  /** Test seam: runs before a shard scans; throwing fails that attempt of that shard. */
  hooks?: { beforeShard?(data: Extract<ReportJobData, { kind: "shard" }>): void | Promise<void> };
}

/**
 * Daily report: a firing fans out into one flow per cluster (shards as children, any replica
 * runs them); each cluster posts one top-level message per firing once its shards landed.
 */
export function createReportWorker(deps: ReportWorkerDeps): Worker<ReportJobData> {
  const flow = new FlowProducer({ connection: deps.ctx.connection, prefix: deps.ctx.prefix });
  const worker = new Worker<ReportJobData>(
    REPORT_QUEUE,
    withJobDecisions(async (job: Job<ReportJobData>, _token?: string, signal?: AbortSignal) => {
      const d = job.data;
      if (d.kind === "firing") return fanOut(deps, flow, job);
      if (d.kind === "cluster") return reportCluster(deps, job, signal);
      await deps.hooks?.beforeShard?.(d);
      const result = await runShard(deps, d, signal);
      deps.logger.info(
        {
          cluster: d.cluster,
          shard: d.shard,
          shards: d.shards,
          nodes: d.nodes.length,
          worker: result.worker,
        },
        "report shard scanned",
      );
      return result;
    }),
    { connection: deps.ctx.connection, prefix: deps.ctx.prefix, concurrency: deps.concurrency ?? 4 },
  );
  worker.on("closed", () => void flow.close().catch(() => undefined));
  countJobs(worker, REPORT_QUEUE, deps.metrics);
  worker.on("failed", (job, err) => {
    const d = job?.data;
    deps.logger.error(
      {
        job: job?.id,
        cluster: d?.kind === "firing" ? undefined : d?.cluster,
        shard: d?.kind === "shard" ? d.shard : undefined,
        err,
        attempts: job?.attemptsMade,
      },
      "report job failed",
    );
  });
  return worker;
}

/** The firing's time: the scheduler's slot (`prevMillis`), not when a worker got to it. */
export function firingMillis(job: Job<ReportJobData>): number {
  if (job.data.kind === "firing" && job.data.firingMs) return job.data.firingMs;
  const fromId = /^repeat:.+:(\d+)$/.exec(job.id ?? "")?.[1];
  return job.opts.prevMillis ?? (fromId ? Number(fromId) : job.timestamp);
}

async function fanOut(deps: ReportWorkerDeps, flow: FlowProducer, job: Job<ReportJobData>): Promise<string> {
  const firingMs = firingMillis(job);
  const { timezone, shardNodes } = deps.inventory.report;
  const date = dateInZone(new Date(firingMs), timezone);
  let queued = 0;
  for (const c of deps.inventory.clusters) {
    // A Rancher cluster listing no nodes has no files to scan (config: nodes optional with rancher:).
    if (c.nodes.length === 0) continue;
    if (await queueClusterFlow(flow, deps.queue, c, { firingMs, date, shardNodes })) queued++;
  }
  deps.logger.info(
    { firingMs, date, clusters: deps.inventory.clusters.length, queued },
    "daily report fired",
  );
  return `queued ${queued}`;
}

async function reportCluster(
  deps: ReportWorkerDeps,
  job: Job<ReportJobData>,
  signal?: AbortSignal,
): Promise<string> {
  const d = job.data;
  if (d.kind !== "cluster") return "ignored";
  const spec = deps.inventory.clusters.find((c) => c.name === d.cluster);
  if (!spec) return "cluster no longer in the inventory";
  const result = await gatherCluster(deps, job, spec, signal);
  if (!result) return "nothing scanned";
  // Kubernetes' own CertificateExpirationWarning events, read on a server the scan reached.
  const events = await readExpiryEvents(
    spec,
    deps.executor,
    result.report.unreachable.map((u) => u.node),
  );
  const rendered = deps.messages.dailyReport(result.report, d.date, {
    renewalWindowDays: deps.inventory.report.renewalWindowDays,
    nodeNames: spec.nodes.map((n) => n.name),
    events,
  });
  const key = stateKey(deps.ctx, "report", "posted", String(d.firingMs), d.cluster);
  const top = await postOnce(deps.ctx.connection, key, deps.chat, spec.channel, rendered.top);
  for (const [i, reply] of rendered.thread.entries())
    await postOnce(deps.ctx.connection, `${key}:reply:${i}`, deps.chat, spec.channel, reply, {
      threadTs: top.ts,
    });
  deps.logger.info(
    {
      cluster: d.cluster,
      ts: top.ts,
      updated: top.updated,
      replies: rendered.thread.length,
      workers: result.workers,
    },
    "daily report posted",
  );
  return top.updated ? "updated" : "posted";
}
