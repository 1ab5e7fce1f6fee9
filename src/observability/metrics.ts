import { Counter, Registry, collectDefaultMetrics } from "prom-client";

/** The bot's own counters, per process (Prometheus scrapes each replica). */
export interface BotMetrics {
  registry: Registry;
  /** Jobs finished, by queue and outcome (completed, failed, retrying). */
  jobs: Counter<"queue" | "outcome">;
  /** Slack calls by API method (or `response_url`, `file_upload`) and outcome (`ok` or Slack's error code). */
  slackCalls: Counter<"method" | "outcome">;
}

/** `defaultMetrics: false` for a second registry in the same process (a worker thread): no double counting. */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}): BotMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: "rke2_chatops_" });
  const jobs = new Counter({
    name: "rke2_chatops_jobs_total",
    help: "Background jobs finished, by queue and outcome",
    labelNames: ["queue", "outcome"] as const,
    registers: [registry],
  });
  const slackCalls = new Counter({
    name: "rke2_chatops_slack_api_calls_total",
    help: "Slack Web API calls and response_url posts, by method and outcome (ok, or Slack's error code)",
    labelNames: ["method", "outcome"] as const,
    registers: [registry],
  });
  return { registry, jobs, slackCalls };
}
