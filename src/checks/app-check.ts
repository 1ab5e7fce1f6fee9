import type { AppCheck } from "../config/inventory.js";

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

export interface AppCheckResult {
  name: string;
  url: string;
  ok: boolean;
  status?: number;
  error?: string;
  ms: number;
}

/** The guide's "application still responding" step: one GET, expected status, bounded time. */
export async function runAppCheck(check: AppCheck, fetchFn: FetchLike = fetch): Promise<AppCheckResult> {
  const name = check.name ?? check.url;
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const res = await fetchFn(check.url, {
      redirect: "manual",
      signal: AbortSignal.timeout(check.timeoutSeconds * 1000),
    });
    await res.body?.cancel();
    const ok = res.status === check.expectStatus;
    return {
      name,
      url: check.url,
      ok,
      status: res.status,
      ms: ms(),
      ...(ok ? {} : { error: `HTTP ${res.status}, expected ${check.expectStatus}` }),
    };
  } catch (err) {
    const e = err as Error;
    const why =
      e.name === "TimeoutError"
        ? `no answer within ${check.timeoutSeconds} s`
        : ((e.cause as Error | undefined)?.message ?? e.message);
    return { name, url: check.url, ok: false, error: why, ms: ms() };
  }
}

export async function runAppChecks(checks: AppCheck[], fetchFn?: FetchLike): Promise<AppCheckResult[]> {
  return Promise.all(checks.map((c) => runAppCheck(c, fetchFn)));
}
