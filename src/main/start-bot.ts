import { webApi } from "@slack/bolt";
import type { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Env } from "../config/env.js";
import type { Inventory } from "../config/inventory.js";
import { registerCertMetrics } from "../observability/cert-metrics.js";
import { createHealthCheck } from "../observability/health.js";
import { healthzRoute, metricsRoute } from "../observability/http-routes.js";
import { createMetrics, type BotMetrics } from "../observability/metrics.js";
import type { OperationsApi } from "../operations/operations-api.js";
import { createAlertDedup } from "../queue/alert-dedup.js";
import { createAlertTrigger } from "../queue/alert-enqueue.js";
import { createAlertQueue } from "../queue/alert-queue.js";
import { createRedis, DEFAULT_PREFIX, type QueueContext } from "../queue/connection.js";
import { createReportQueue, upsertDailyReportScheduler } from "../queue/report-queue.js";
import { createScanQueue, scanRequestsOn } from "../queue/scan-queue.js";
import { createScanStore } from "../queue/scan-store.js";
import type { ChatPort } from "../shared/chat-port.js";
import { systemClock, type Clock } from "../shared/clock.js";
import type { Logger } from "../shared/logger.js";
import { toBoltLogger } from "../slack/bolt-logger.js";
import { createSlackApp, type SlackApp } from "../slack/create-slack-app.js";
import { closeServer, createHttpServer, listen } from "../slack/http/serve-http.js";
import type { CommandExtensions } from "../slack/listeners/command-deps.js";
import { createWebChat } from "../slack/web-chat.js";
import { webClientOptions } from "../slack/web-client-options.js";
import { createSsh2Executor } from "../ssh/ssh2-executor.js";
import type { SshExecutor } from "../ssh/ssh-executor.js";
import { unavailableOperations } from "./load-operations.js";
import { closeWorkers, startWorkers } from "./start-workers.js";

export interface BotOptions {
  env: Env;
  inventory: Inventory;
  logger: Logger;
  clock?: Clock;
  executor?: SshExecutor;
  /** The operations engine, or a factory that builds it on this process's adapters. */
  ops?: OperationsApi | OperationsFactory;
  extensions?: CommandExtensions;
  /** Key and queue prefix in Redis (tests use a fresh one each). */
  prefix?: string;
  host?: string;
  fetch?: typeof fetch;
}

/** What the operations engine gets from the composition root. */
export interface OperationsWiring {
  inventory: Inventory;
  chat: ChatPort;
  ctx: QueueContext;
  executor: SshExecutor;
  clock: Clock;
  logger: Logger;
  /** false for ROLE=web: enqueue only, run no workers. */
  runsWorkers: boolean;
}
export type OperationsFactory = (w: OperationsWiring) => OperationsApi & { close?(): Promise<void> };

export interface Bot {
  port: number;
  role: Env["ROLE"];
  slack?: SlackApp;
  metrics: BotMetrics;
  redis: Redis;
  /** Graceful: stop intake, let running jobs finish within `graceMs`, close connections. */
  stop(graceMs?: number): Promise<void>;
}

/** The composition root: the only place real adapters are built and wired. */
export async function startBot(o: BotOptions): Promise<Bot> {
  const { env, inventory, logger } = o;
  const clock = o.clock ?? systemClock;
  const redis = createRedis(env.REDIS_URL, `rke2-chatops-${env.ROLE}`);
  redis.on("error", (err) => logger.warn({ err: err.message }, "Redis connection error"));
  const ctx: QueueContext = { connection: redis, prefix: o.prefix ?? DEFAULT_PREFIX };

  const metrics = createMetrics();
  const store = createScanStore(ctx, inventory);
  registerCertMetrics(metrics.registry, store, clock);
  const fetchOpt = o.fetch ? { fetch: o.fetch } : {};
  const client = new webApi.WebClient(env.SLACK_BOT_TOKEN, {
    ...webClientOptions({ slackApiUrl: env.SLACK_API_URL, metrics, ...fetchOpt }),
    logger: toBoltLogger(logger, "web-api"),
  });
  const chat = createWebChat({ client, logger, clock, metrics, ...fetchOpt });

  const scanQueue = createScanQueue(ctx);
  const reportQueue = createReportQueue(ctx);
  const alertQueue = createAlertQueue(ctx);
  const queues: Queue[] = [scanQueue, reportQueue, alertQueue];
  await upsertDailyReportScheduler(reportQueue, inventory.report);
  const dedup = createAlertDedup(ctx);
  const alerts = createAlertTrigger({
    queue: alertQueue,
    dedup,
    alertDays: inventory.report.alertDays,
    clock,
    logger,
  });
  const executor = o.executor ?? createSsh2Executor({ logger, clock });
  const runsWorkers = env.ROLE !== "web";
  const ops =
    typeof o.ops === "function"
      ? o.ops({ inventory, chat, ctx, executor, clock, logger, runsWorkers })
      : (o.ops ?? unavailableOperations);
  const workers: Worker[] = runsWorkers
    ? startWorkers({
        ctx,
        inventory,
        chat,
        metrics,
        reportQueue,
        dedup,
        executor,
        store,
        alerts,
        clock,
        logger,
      })
    : [];

  const health = createHealthCheck({
    clock,
    pingRedis: () => redis.ping(),
    slackAuthTest: async () => client.auth.test(),
  });
  const routes = { "GET /healthz": healthzRoute(health), "GET /metrics": metricsRoute(metrics.registry) };
  let slack: SlackApp | undefined;
  let port: number;
  let stopHttp: () => Promise<void>;
  if (env.ROLE !== "worker") {
    slack = createSlackApp({
      env,
      inventory,
      chat,
      scans: scanRequestsOn(scanQueue),
      ops,
      logger,
      clock,
      metrics,
      routes,
      ...(o.extensions ? { extensions: o.extensions } : {}),
      ...fetchOpt,
      ...(o.host ? { host: o.host } : {}),
    });
    ({ port } = await slack.start());
    stopHttp = () => slack!.stop();
  } else {
    const server = createHttpServer({ routes, logger });
    port = await listen(server, env.PORT, o.host);
    stopHttp = () => closeServer(server);
  }
  logger.info(
    {
      role: env.ROLE,
      port,
      clusters: inventory.clusters.map((c) => c.name),
      schedule: inventory.report.schedule,
    },
    "rke2-chatops started",
  );

  return {
    port,
    role: env.ROLE,
    slack,
    metrics,
    redis,
    async stop(graceMs = 12_000) {
      await stopHttp().catch((err) => logger.warn({ err: (err as Error).message }, "HTTP/Slack stop failed"));
      const drained = await closeWorkers(workers, graceMs, clock);
      await (ops as { close?(): Promise<void> })
        .close?.()
        .catch((err: Error) => logger.warn({ err: err.message }, "operations close failed"));
      if (drained === "timed-out")
        logger.warn("jobs still running at shutdown were left to be picked up again");
      await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
      await redis.quit().catch(() => redis.disconnect());
      logger.info("rke2-chatops stopped");
    },
  };
}
