import { Worker, type Job } from "bullmq";
import type { Inventory } from "../config/inventory.js";
import type { BotMetrics } from "../observability/metrics.js";
import type { ChatPort } from "../shared/chat-port.js";
import type { Logger } from "../shared/logger.js";
import type { ScanMessages } from "../scan/scan-messages.js";
import { ALERT_QUEUE, type AlertJobData } from "./alert-queue.js";
import type { AlertDedup } from "./alert-dedup.js";
import { stateKey, type QueueContext } from "./connection.js";
import { countJobs, isFinalFailure } from "../observability/count-jobs.js";
import { toJobError } from "./job-decision.js";
import { postOnce } from "./report-post.js";

export interface AlertWorkerDeps {
  ctx: QueueContext;
  inventory: Inventory;
  chat: ChatPort;
  messages: ScanMessages;
  dedup: AlertDedup;
  logger: Logger;
  metrics: Pick<BotMetrics, "jobs">;
  concurrency?: number;
}

/** Posts each queued alert as its own top-level message in the cluster's channel, once. */
export function createAlertWorker(deps: AlertWorkerDeps): Worker<AlertJobData> {
  const worker = new Worker<AlertJobData>(ALERT_QUEUE, (job) => processAlert(deps, job), {
    connection: deps.ctx.connection,
    prefix: deps.ctx.prefix,
    concurrency: deps.concurrency ?? 4,
  });
  countJobs(worker, ALERT_QUEUE, deps.metrics);
  worker.on("failed", (job, err) => {
    if (!job || !isFinalFailure(job)) return;
    // Given up: free the claims so the next scan queues the alert again instead of dropping it.
    const d = job.data;
    const release =
      d.kind === "certs"
        ? deps.dedup.release(
            d.crossings.map((c) => c.key),
            job.id ?? "",
          )
        : deps.dedup.releaseUnreachableAlert(d.cluster, d.node);
    // …and free its deterministic job id too, or the re-queued alert would be a no-op add.
    release.then(() => job.remove()).catch(() => undefined);
    deps.logger.error(
      { cluster: d.cluster, node: d.node, err },
      "alert not posted after every retry; the next scan queues it again",
    );
  });
  return worker;
}

async function processAlert(deps: AlertWorkerDeps, job: Job<AlertJobData>): Promise<string> {
  const d = job.data;
  const cluster = deps.inventory.clusters.find((c) => c.name === d.cluster);
  if (!cluster) return "cluster no longer in the inventory";
  const approvers = deps.inventory.approvals.approvers;
  const jobId = job.id ?? "";
  const msgKey = stateKey(deps.ctx, "alert", "message", jobId);
  try {
    if (d.kind === "unreachable") {
      const msg = deps.messages.unreachableAlert({ ...d, approvers });
      await postOnce(deps.ctx.connection, msgKey, deps.chat, cluster.channel, msg);
      return "posted";
    }
    const held = await deps.dedup.claim(
      d.crossings.map((c) => c.key),
      jobId,
    );
    const crossings = d.crossings.filter((c) => held.has(c.key));
    if (crossings.length === 0) return "already alerted";
    const msg = deps.messages.certAlert({
      cluster: d.cluster,
      node: d.node,
      role: d.role,
      crossings,
      approvers,
      scannedAt: d.scannedAt,
      darkApi: d.darkApi,
    });
    const posted = await postOnce(deps.ctx.connection, msgKey, deps.chat, cluster.channel, msg);
    await deps.dedup.markSent(
      crossings.map((c) => c.key),
      posted.ts,
    );
    deps.logger.info(
      { cluster: d.cluster, node: d.node, crossings: crossings.length, ts: posted.ts },
      "alert posted",
    );
    return "posted";
  } catch (err) {
    const failure = deps.messages.chatFailure(err);
    if (failure?.needsInvite && d.notify && job.attemptsMade === 0)
      await deps.chat
        .respond(
          d.notify.responseUrl,
          deps.messages.inviteNeeded(cluster.channel, `an alert about ${d.node}`),
        )
        .catch(() => undefined);
    // Retry or give up: job-decision.ts is the one rule, for Slack's errors as for any other.
    throw toJobError(err);
  }
}
