import type { Queue, Worker } from "bullmq";
import type { Inventory } from "../config/inventory.js";
import type { BotMetrics } from "../observability/metrics.js";
import type { AlertDedup } from "../queue/alert-dedup.js";
import { createAlertWorker } from "../queue/alert-worker.js";
import type { QueueContext } from "../queue/connection.js";
import type { ReportJobData } from "../queue/report-queue.js";
import { createReportWorker } from "../queue/report-worker.js";
import type { ScanRunDeps } from "../scan/scan-run.js";
import { createScanWorker } from "../queue/scan-worker.js";
import type { ChatPort } from "../shared/chat-port.js";
import type { ScanMessages } from "../scan/scan-messages.js";
import type { Clock } from "../shared/clock.js";

export interface WorkerDeps extends ScanRunDeps {
  ctx: QueueContext;
  inventory: Inventory;
  chat: ChatPort;
  messages: ScanMessages;
  metrics: BotMetrics;
  reportQueue: Queue<ReportJobData>;
  dedup: AlertDedup;
}

/** The Slack surface's workers: `/rke2 certs` scans, the daily report, alerts. */
export function startWorkers(d: WorkerDeps): Worker[] {
  const scan = createScanWorker({ ...d });
  const report = createReportWorker({ ...d, queue: d.reportQueue });
  const alert = createAlertWorker({
    ctx: d.ctx,
    inventory: d.inventory,
    chat: d.chat,
    messages: d.messages,
    dedup: d.dedup,
    logger: d.logger,
    metrics: d.metrics,
  });
  for (const w of [scan, report, alert])
    w.on("error", (err) => d.logger.error({ queue: w.name, err }, "worker error"));
  return [scan, report, alert];
}

/**
 * Stop taking jobs and let running ones finish, for at most `graceMs`; then stop waiting (the
 * unfinished jobs stall and are picked up again by any worker: every step is idempotent).
 */
export async function closeWorkers(
  workers: Worker[],
  graceMs: number,
  clock: Clock,
): Promise<"drained" | "timed-out"> {
  const timer = new AbortController();
  const drained = Promise.all(workers.map((w) => w.close())).then(() => "drained" as const);
  const deadline = clock.sleep(graceMs, timer.signal).then(
    () => "timed-out" as const,
    () => "drained" as const,
  );
  const result = await Promise.race([drained, deadline]);
  timer.abort();
  if (result === "timed-out") await Promise.all(workers.map((w) => w.close(true).catch(() => undefined)));
  return result;
}
