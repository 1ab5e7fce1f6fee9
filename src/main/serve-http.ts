import type { Env } from "../config/env.js";
import type { Inventory } from "../config/inventory.js";
import { createHealthCheck, type CheckResult } from "../observability/health.js";
import { healthzRoute, livezRoute, metricsRoute, type MetricsJson } from "../observability/http-routes.js";
import type { OperationsApi } from "../operations/operations-api.js";
import type { ScanRequests } from "../queue/scan-queue.js";
import type { Clock } from "../shared/clock.js";
import type { Logger } from "../shared/logger.js";
import type { SlackApp } from "../slack/create-slack-app.js";
import { closeServer, createHttpServer, listen } from "../slack/http/serve-http.js";
import type { CommandExtensions } from "../slack/listeners/command-deps.js";
import type { SlackSurface } from "./build-slack-surface.js";

/**
 * PORT: /livez (liveness), /readyz (readiness: Redis and Slack), /healthz (the same checks, kept for
 * existing probes) and /metrics for every role; the Bolt app (HTTP receiver at POST /slack/events,
 * or Socket Mode) for ROLE=web and ROLE=all only, so a worker never takes Slack traffic.
 */
export async function serveHttp(o: {
  env: Env;
  inventory: Inventory;
  logger: Logger;
  clock: Clock;
  surface: SlackSurface;
  ops: OperationsApi;
  extensions: CommandExtensions;
  scans: ScanRequests;
  pingRedis: () => Promise<unknown>;
  /** Counters of the ROLE=all worker thread, summed into /metrics. */
  threadMetrics?: () => Promise<MetricsJson[]>;
  extraHealth?: Record<string, () => CheckResult>;
  host?: string;
  fetch?: typeof fetch;
}): Promise<{ port: number; slack?: SlackApp; stop(): Promise<void> }> {
  const { env, logger, clock, surface: s } = o;
  const health = createHealthCheck({
    clock,
    pingRedis: o.pingRedis,
    ...(o.extraHealth ? { extra: o.extraHealth } : {}),
    slackAuthTest: async () => s.client.auth.test(),
  });
  const routes = {
    "GET /healthz": healthzRoute(health),
    "GET /livez": livezRoute(),
    "GET /readyz": healthzRoute(health),
    "GET /metrics": metricsRoute(s.metrics.registry, o.threadMetrics),
  };
  if (env.ROLE === "worker") {
    const server = createHttpServer({ routes, logger });
    const port = await listen(server, env.PORT, o.host);
    return { port, stop: () => closeServer(server) };
  }
  // Loaded only where Slack traffic is served: a worker never needs Bolt, its HTTP receiver or
  // Socket Mode client (about 15 MB of each worker's memory).
  const { createSlackApp } = await import("../slack/create-slack-app.js");
  const slack = createSlackApp({
    env,
    inventory: o.inventory,
    chat: s.chat,
    scans: o.scans,
    ops: o.ops,
    logger,
    clock,
    metrics: s.metrics,
    routes,
    extensions: o.extensions,
    ...(o.fetch ? { fetch: o.fetch } : {}),
    ...(o.host ? { host: o.host } : {}),
  });
  const { port } = await slack.start();
  return { port, slack, stop: () => slack.stop() };
}
