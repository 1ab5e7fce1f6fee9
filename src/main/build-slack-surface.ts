import { WebClient } from "@slack/web-api";
import type { Queue } from "bullmq";
import type { Env } from "../config/env.js";
import type { Inventory } from "../config/inventory.js";
import { registerCertMetrics } from "../observability/cert-metrics.js";
import { createMetrics, type BotMetrics } from "../observability/metrics.js";
import { createAlertDedup, type AlertDedup } from "../queue/alert-dedup.js";
import { createAlertTrigger, type AlertTrigger } from "../queue/alert-enqueue.js";
import { createAlertQueue } from "../queue/alert-queue.js";
import type { QueueContext } from "../queue/connection.js";
import { createReportQueue, upsertDailyReportScheduler, type ReportJobData } from "../queue/report-queue.js";
import { createScanQueue, type ScanJobData } from "../queue/scan-queue.js";
import { createScanStore, type ScanStore } from "../queue/scan-store.js";
import type { ChatPort } from "../shared/chat-port.js";
import type { Clock } from "../shared/clock.js";
import type { Logger } from "../shared/logger.js";
import { toBoltLogger } from "../slack/bolt-logger.js";
import { toChatError } from "../slack/describe-slack-error.js";
import { createWebChat } from "../slack/web-chat.js";
import { webClientOptions } from "../slack/web-client-options.js";
import { startupSlackFailure } from "../slack/startup-slack-failure.js";
import type { ScanMessages } from "../scan/scan-messages.js";
import { slackScanMessages } from "../slack/scan-messages.js";

export interface SlackSurface {
  metrics: BotMetrics;
  client: WebClient;
  chat: ChatPort;
  /** Block Kit for scan answers, reports and alerts, handed to the workers. */
  messages: ScanMessages;
  store: ScanStore;
  dedup: AlertDedup;
  alerts: AlertTrigger;
  scanQueue: Queue<ScanJobData>;
  reportQueue: Queue<ReportJobData>;
  queues: Queue[];
}

/**
 * The adapters every role shares: metrics, the Web client and ChatPort (after checking the token
 * with auth.test, so a bad token stops the start with a clear line), queues, the daily scheduler.
 */
export async function buildSlackSurface(o: {
  env: Env;
  inventory: Inventory;
  logger: Logger;
  clock: Clock;
  ctx: QueueContext;
  fetch?: typeof fetch;
  /** false in the ROLE=all worker thread: the main thread serves process and certificate metrics. */
  processMetrics?: boolean;
}): Promise<SlackSurface> {
  const { env, inventory, logger, clock, ctx } = o;
  const metrics = createMetrics({ defaultMetrics: o.processMetrics !== false });
  const store = createScanStore(ctx, inventory, clock);
  if (o.processMetrics !== false) registerCertMetrics(metrics.registry, store, clock);
  const fetchOpt = o.fetch ? { fetch: o.fetch } : {};
  const client = new WebClient(env.SLACK_BOT_TOKEN, {
    ...webClientOptions({ slackApiUrl: env.SLACK_API_URL, metrics, ...fetchOpt }),
    logger: toBoltLogger(logger, "web-api"),
  });
  await verifyToken(client, logger);
  const chat = createWebChat({ client, logger, clock, metrics, ...fetchOpt });

  const scanQueue = createScanQueue(ctx);
  const reportQueue = createReportQueue(ctx);
  const alertQueue = createAlertQueue(ctx);
  // Every process upserts the schedule at start: idempotent, and a changed cron takes effect.
  await upsertDailyReportScheduler(reportQueue, inventory.report);
  const dedup = createAlertDedup(ctx);
  const alerts = createAlertTrigger({
    queue: alertQueue,
    dedup,
    alertDays: inventory.report.alertDays,
    caAlertDays: inventory.report.caAlertDays,
    clock,
    logger,
  });
  return {
    metrics,
    client,
    chat,
    messages: slackScanMessages,
    store,
    dedup,
    alerts,
    scanQueue,
    reportQueue,
    queues: [scanQueue, reportQueue, alertQueue],
  };
}

async function verifyToken(client: WebClient, logger: Logger): Promise<void> {
  try {
    const me = await client.auth.test();
    logger.info({ team: me.team, botUser: me.user }, "Slack token accepted");
  } catch (err) {
    const e = toChatError(err, "auth.test");
    throw startupSlackFailure(logger, e, err);
  }
}
