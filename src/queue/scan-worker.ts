import { Worker, type Job } from "bullmq";
import type { BotMetrics } from "../observability/metrics.js";
import { countJobs } from "../observability/count-jobs.js";
import type { ChatMessage, ChatPort } from "../shared/chat-port.js";
import type { ScanMessages } from "../scan/scan-messages.js";
import type { QueueContext } from "./connection.js";
import { willRetry } from "./job-decision.js";
import { finishScan } from "./scan-admission.js";
import { SCAN_QUEUE, type ScanJobData } from "./scan-queue.js";
import { runScans, type ScanRunDeps } from "../scan/scan-run.js";

export interface ScanWorkerDeps extends ScanRunDeps {
  ctx: QueueContext;
  chat: ChatPort;
  messages: ScanMessages;
  metrics: Pick<BotMetrics, "jobs">;
  concurrency?: number;
}

/** Runs `/rke2 certs` scans and answers through the command's response_url. */
export function createScanWorker(deps: ScanWorkerDeps): Worker<ScanJobData> {
  const worker = new Worker<ScanJobData>(
    SCAN_QUEUE,
    (job, _token, signal) => processScan(deps, job, signal),
    {
      connection: deps.ctx.connection,
      prefix: deps.ctx.prefix,
      concurrency: deps.concurrency ?? 4,
    },
  );
  countJobs(worker, SCAN_QUEUE, deps.metrics);
  return worker;
}

async function processScan(
  deps: ScanWorkerDeps,
  job: Job<ScanJobData>,
  signal?: AbortSignal,
): Promise<string> {
  const d = job.data;
  const log = deps.logger.child({ job: job.id, cluster: d.cluster, node: d.node, user: d.userId });
  let answer: ChatMessage;
  try {
    const requester = d.responseUrl ? { requester: { responseUrl: d.responseUrl } } : {};
    const results = await runScans(deps, { cluster: d.cluster, node: d.node, signal, ...requester });
    answer = deps.messages.certsAnswer(results, d.node, deps.inventory.report.renewalWindowDays);
  } catch (err) {
    log.error({ err }, "scan failed");
    if (willRetry(err, job)) throw err;
    answer = deps.messages.scanFailed(err);
  }
  if (!d.responseUrl) return "scanned";
  // Requests that joined this scan while it ran get the same answer; later ones start a new scan.
  const scope = { ...(d.cluster ? { cluster: d.cluster } : {}), ...(d.node ? { node: d.node } : {}) };
  const joined = job.id ? await finishScan(deps.ctx, scope, job.id) : [];
  const delivered = await Promise.all(
    [d.responseUrl, ...joined].map((url) =>
      deps.chat.respond(url, answer).then(
        () => true,
        (err: Error) => {
          // Scanning again would not revive an expired response_url; the log line carries the advice.
          log.warn({ err }, "could not deliver the scan answer");
          return false;
        },
      ),
    ),
  );
  if (joined.length) log.info({ joined: joined.length }, "answered requests that joined the scan");
  return delivered.every(Boolean) ? "answered" : "answer not delivered";
}
