import type { WebClientOptions } from "@slack/web-api";
import type { BotMetrics } from "../observability/metrics.js";
import { countingFetch } from "./counting-fetch.js";

/**
 * Options for every Web client the bot makes (Bolt's app.client, Socket Mode's, the ChatPort's):
 * the configured SLACK_API_URL, 429s waited out for their Retry-After and retried, a bounded number
 * of retries so a job's own retry takes over, and a call counter.
 */
export function webClientOptions(o: {
  slackApiUrl: string;
  metrics: Pick<BotMetrics, "slackCalls">;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): WebClientOptions {
  return {
    slackApiUrl: o.slackApiUrl,
    rejectRateLimitedCalls: false,
    retryConfig: { retries: 5, factor: 2, minTimeout: 500, maxTimeout: 30_000, randomize: true },
    timeout: o.timeoutMs ?? 15_000,
    fetch: countingFetch(o.fetch ?? globalThis.fetch, o.slackApiUrl, o.metrics),
  };
}
