import { Worker, type Job, type Queue } from "bullmq";
import { countJobs } from "../observability/count-jobs.js";
import type { BotMetrics } from "../observability/metrics.js";
import type { ChatPort } from "../shared/chat-port.js";
import { dateInZone } from "../slack/blocks/format-cert.js";
import { readExpiryEvents } from "../rke2/expiry-events.js";
import { renderDailyReport } from "../slack/blocks/render-daily-report.js";
import { safeJobId, stateKey, type QueueContext } from "./connection.js";
import { postOnce } from "./report-post.js";
import { CLUSTER_REPORT_JOB_OPTS, REPORT_QUEUE, type ReportJobData } from "./report-queue.js";
import { runScans, type ScanRunDeps } from "./scan-run.js";

export interface ReportWorkerDeps extends ScanRunDeps {
  ctx: QueueContext;
  queue: Queue<ReportJobData>;
  chat: ChatPort;
  metrics: Pick<BotMetrics, "jobs">;
  concurrency?: number;
}

/** Daily report: a firing fans out per cluster; each cluster posts one top-level message per firing. */
export function createReportWorker(deps: ReportWorkerDeps): Worker<ReportJobData> {
  const worker = new Worker<ReportJobData>(
    REPORT_QUEUE,
    (job, _token, signal) =>
      job.data.kind === "firing" ? fanOut(deps, job) : reportCluster(deps, job, signal),
    { connection: deps.ctx.connection, prefix: deps.ctx.prefix, concurrency: deps.concurrency ?? 4 },
  );
  countJobs(worker, REPORT_QUEUE, deps.metrics);
  worker.on("failed", (job, err) => {
    const d = job?.data;
    deps.logger.error(
      {
        job: job?.id,
        cluster: d?.kind === "cluster" ? d.cluster : undefined,
        err: err.message,
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

async function fanOut(deps: ReportWorkerDeps, job: Job<ReportJobData>): Promise<string> {
  const firingMs = firingMillis(job);
  const date = dateInZone(new Date(firingMs), deps.inventory.report.timezone);
  for (const c of deps.inventory.clusters) {
    const data: ReportJobData = { kind: "cluster", cluster: c.name, firingMs, date };
    // Deterministic id: a retried firing (or a duplicate one) adds nothing new.
    await deps.queue.add("cluster-report", data, {
      ...CLUSTER_REPORT_JOB_OPTS,
      jobId: safeJobId("report", String(firingMs), c.name),
    });
  }
  deps.logger.info({ firingMs, date, clusters: deps.inventory.clusters.length }, "daily report fired");
  return `queued ${deps.inventory.clusters.length}`;
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
  const [result] = await runScans(deps, { cluster: d.cluster, signal });
  if (!result) return "nothing scanned";
  // Kubernetes' own CertificateExpirationWarning events, read on a server the scan reached.
  const events = await readExpiryEvents(
    spec,
    deps.executor,
    result.report.unreachable.map((u) => u.node),
  );
  const rendered = renderDailyReport(result.report, d.date, {
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
    { cluster: d.cluster, ts: top.ts, updated: top.updated, replies: rendered.thread.length },
    "daily report posted",
  );
  return top.updated ? "updated" : "posted";
}
