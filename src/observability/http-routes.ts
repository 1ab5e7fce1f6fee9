import {
  AggregatorRegistry,
  type MetricObjectWithValues,
  type MetricValue,
  type Registry,
} from "prom-client";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HealthReport } from "./health.js";

type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** GET /healthz and GET /readyz: JSON, 200 when every check (Redis, Slack) passes, 503 otherwise. */
export const healthzRoute =
  (check: () => Promise<HealthReport>): RouteHandler =>
  async (_req, res) => {
    const report = await check();
    res.writeHead(report.status === "ok" ? 200 : 503, {
      "content-type": "application/json",
      "cache-control": "no-store",
    });
    res.end(`${JSON.stringify(report)}\n`);
  };

/**
 * GET /livez: 200 whenever the process answers, i.e. its event loop runs. Never looks at Redis or
 * Slack, so a liveness probe does not restart-loop the bot through a dependency's hiccup.
 */
export const livezRoute = (): RouteHandler => async (_req, res) => {
  res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(`${JSON.stringify({ status: "ok", uptimeSeconds: Math.round(process.uptime()) })}\n`);
};

export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/**
 * GET /metrics: Prometheus text exposition of the registry, plus (summed in) the counters of other
 * registries of this process, e.g. the worker thread's of ROLE=all.
 */
export const metricsRoute =
  (registry: Registry, others?: () => Promise<MetricsJson[]>): RouteHandler =>
  async (_req, res) => {
    const body = others
      ? await AggregatorRegistry.aggregate([await registry.getMetricsAsJSON(), ...(await others())]).metrics()
      : await registry.metrics();
    res.writeHead(200, { "content-type": registry.contentType });
    res.end(body);
  };
