import type { BotMetrics } from "../observability/metrics.js";

type Fetch = typeof globalThis.fetch;

/**
 * Wraps the fetch the Web client (and Socket Mode's apps.connections.open) uses, so every Slack
 * call is counted by method and outcome: `ok`, Slack's error code, `rate_limited`, `http_<n>`.
 */
export function countingFetch(base: Fetch, apiUrl: string, metrics: Pick<BotMetrics, "slackCalls">): Fetch {
  return async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const method = url.startsWith(apiUrl)
      ? url.slice(apiUrl.length).split(/[?#]/)[0] || "unknown"
      : "file_upload";
    let res: Response;
    try {
      res = await base(input, init);
    } catch (err) {
      metrics.slackCalls.inc({ method, outcome: "network_error" });
      throw err;
    }
    metrics.slackCalls.inc({ method, outcome: await outcomeOf(res) });
    return res;
  };
}

async function outcomeOf(res: Response): Promise<string> {
  if (res.status === 429) return "rate_limited";
  if (res.status !== 200) return `http_${res.status}`;
  if (!(res.headers.get("content-type") ?? "").includes("json")) return "ok";
  try {
    const body = (await res.clone().json()) as { ok?: boolean; error?: string };
    return body.ok === false ? (body.error ?? "error") : "ok";
  } catch {
    return "unparsable";
  }
}
