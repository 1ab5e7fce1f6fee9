import type { Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Env } from "../config/env.js";
import type { Inventory } from "../config/inventory.js";
import { clusterHooks } from "../operations/hooks/cluster-hooks.js";
import { withWindowNotice } from "../operations/hooks/window-notice.js";
import { createOperations, type Operations } from "./create-operations.js";
import { createUpgradePlanCommand } from "../operations/upgrade/upgrade-plan-command.js";
import type { OperationsApi } from "../operations/operations-api.js";
import type { BotMetrics } from "../observability/metrics.js";
import { createRedis, DEFAULT_PREFIX, type QueueContext } from "../queue/connection.js";
import { scanRequestsOn } from "../queue/scan-queue.js";
import { slackGroups } from "../slack/slack-groups.js";
import { systemClock, type Clock } from "../shared/clock.js";
import type { Logger } from "../shared/logger.js";
import type { SlackApp } from "../slack/create-slack-app.js";
import { createExplainCommand } from "../slack/extensions/explain-command.js";
import { createKubeconfigRefresh } from "../slack/extensions/refresh-kubeconfigs-command.js";
import { REFRESH_KUBECONFIGS_ACTION } from "../operations/kubeconfig/refresh-click.js";
import { createRedisLedger } from "../queue/operation-ledger.js";
import { createRefreshClaims } from "../queue/refresh-claims.js";
import type { CommandExtensions } from "../slack/listeners/command-deps.js";
import { createSsh2Executor } from "../ssh/ssh2-executor.js";
import { executorLimits } from "../config/ssh-pool-settings.js";
import type { SshExecutor } from "../ssh/ssh-executor.js";
import { buildSlackSurface } from "./build-slack-surface.js";
import { serveHttp } from "./serve-http.js";
import { closeWorkers, startWorkers } from "./start-workers.js";
import type { CheckResult } from "../observability/health.js";
import type { MetricsJson } from "../observability/http-routes.js";

const noHttp: { port: number; slack?: SlackApp; stop(): Promise<void> } = {
  port: 0,
  stop: async () => undefined,
};

export interface BotOptions {
  env: Env;
  inventory: Inventory;
  logger: Logger;
  clock?: Clock;
  executor?: SshExecutor;
  /** Replaces the operations engine (tests); by default the real one from src/operations. */
  ops?: OperationsApi;
  extensions?: CommandExtensions;
  /** Key and queue prefix in Redis (tests use a fresh one each). */
  prefix?: string;
  host?: string;
  fetch?: typeof fetch;
  /** false: no HTTP server (the ROLE=all worker thread; the main thread serves PORT). */
  serveHttp?: boolean;
  /** For the ROLE=all main thread: the worker thread's counters and liveness. */
  thread?: { metrics: () => Promise<MetricsJson[]>; health: Record<string, () => CheckResult> };
}

export interface Bot {
  port: number;
  role: Env["ROLE"];
  slack?: SlackApp;
  metrics: BotMetrics;
  redis: Redis;
  /** Graceful: stop intake, let running jobs finish within `graceMs`, close connections. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The composition root: the only place real adapters are built and wired. ROLE=web takes Slack
 * traffic and enqueues; ROLE=worker runs jobs; ROLE=all both. Every role serves /healthz and /metrics.
 */
export async function startBot(o: BotOptions): Promise<Bot> {
  const { env, inventory, logger } = o;
  const clock = o.clock ?? systemClock;
  const redis = createRedis(env.REDIS_URL, `rke2-chatops-${env.ROLE}`);
  redis.on("error", (err) => logger.warn({ err }, "Redis connection error"));
  const ctx: QueueContext = { connection: redis, prefix: o.prefix ?? DEFAULT_PREFIX };
  const s = await buildSlackSurface({
    env,
    inventory,
    logger,
    clock,
    ctx,
    ...(o.fetch ? { fetch: o.fetch } : {}),
    processMetrics: o.serveHttp !== false,
  }).catch((err: unknown) => {
    redis.disconnect();
    throw err;
  });

  // Built here, closed here at shutdown (warm connections); an injected one belongs to its caller.
  const ownExecutor = o.executor
    ? undefined
    : createSsh2Executor({ logger, clock, ...executorLimits(inventory) });
  const executor = o.executor ?? ownExecutor!;
  const runsWorkers = env.ROLE !== "web";
  const engine: Operations | undefined = o.ops
    ? undefined
    : createOperations({
        inventory,
        redis,
        executor,
        chat: s.chat,
        clock,
        logger,
        prefix: ctx.prefix,
        groups: slackGroups(s.client),
        // Maintenance windows gate each node's start; application checks run after each node.
        hooks: clusterHooks(o.fetch ? { fetch: o.fetch } : {}),
      });
  if (engine && runsWorkers) await engine.startWorkers();
  const workers: Worker[] = runsWorkers
    ? startWorkers({
        ctx,
        inventory,
        executor,
        clock,
        logger,
        chat: s.chat,
        messages: s.messages,
        metrics: s.metrics,
        reportQueue: s.reportQueue,
        dedup: s.dedup,
        store: s.store,
        alerts: s.alerts,
      })
    : [];

  const kubeconfigRefresh = createKubeconfigRefresh({
    inventory,
    executor,
    groups: slackGroups(s.client),
    ledger: createRedisLedger(redis, {
      prefix: ctx.prefix,
      auditRetentionMs: inventory.audit.retentionDays * 86_400_000,
      now: () => clock.now(),
    }),
    claims: createRefreshClaims(redis, ctx.prefix),
    chat: s.chat,
    clock,
    logger,
  });
  const http =
    o.serveHttp === false
      ? noHttp
      : await serveHttp({
          env,
          inventory,
          logger,
          clock,
          surface: s,
          ops: withWindowNotice(o.ops ?? engine!, inventory, clock),
          extensions: {
            explain: createExplainCommand({ inventory, executor, clock }),
            "upgrade-plan": createUpgradePlanCommand({
              inventory,
              chat: s.chat,
              executor,
              clock,
              logger,
              ...(o.fetch ? { fetch: o.fetch } : {}),
            }),
            "refresh-kubeconfigs": kubeconfigRefresh.command,
            buttons: { [REFRESH_KUBECONFIGS_ACTION]: kubeconfigRefresh.button },
            ...o.extensions,
          },
          scans: scanRequestsOn(s.scanQueue, ctx, inventory.limits),
          pingRedis: () => redis.ping(),
          ...(o.thread ? { threadMetrics: o.thread.metrics, extraHealth: o.thread.health } : {}),
          ...(o.host ? { host: o.host } : {}),
          ...(o.fetch ? { fetch: o.fetch } : {}),
        });
  logger.info(
    {
      role: env.ROLE,
      port: http.port,
      clusters: inventory.clusters.map((c) => c.name),
      schedule: inventory.report.schedule,
    },
    "rke2-chatops started",
  );

  return {
    port: http.port,
    role: env.ROLE,
    ...(http.slack ? { slack: http.slack } : {}),
    metrics: s.metrics,
    redis,
    async stop(graceMs = 12_000) {
      await http.stop().catch((err: Error) => logger.warn({ err }, "HTTP/Slack stop failed"));
      const [drained] = await Promise.all([
        closeWorkers(workers, graceMs, clock),
        engine?.close().catch((err: Error) => logger.warn({ err }, "operations close failed")),
      ]);
      if (drained === "timed-out")
        logger.warn("jobs still running at shutdown were left to be picked up again");
      await Promise.all(s.queues.map((q) => q.close().catch(() => undefined)));
      await ownExecutor?.close().catch((err: Error) => logger.warn({ err }, "SSH pool close failed"));
      await redis.quit().catch(() => redis.disconnect());
      logger.info("rke2-chatops stopped");
    },
  };
}
