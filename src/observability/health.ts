import type { Clock } from "../shared/clock.js";

export interface CheckResult {
  ok: boolean;
  latencyMs?: number;
  error?: string;
  detail?: Record<string, unknown>;
}

export interface HealthReport {
  status: "ok" | "degraded";
  checks: Record<string, CheckResult>;
}

export interface HealthDeps {
  clock: Clock;
  /** Resolves when Redis answers PING. */
  pingRedis: () => Promise<unknown>;
  /** Slack reachability and token validity (auth.test); absent when the process has no Slack client. */
  slackAuthTest?: () => Promise<{ team?: string; user?: string }>;
  timeoutMs?: number;
  /** auth.test is rate limited: probes every few seconds reuse the last answer this long. */
  slackCacheMs?: number;
  /** More checks of this process, e.g. that the ROLE=all worker thread is alive. */
  extra?: Record<string, () => CheckResult>;
}

/** /healthz: Redis PING and Slack auth.test, each with a timeout; degraded when either fails. */
export function createHealthCheck(deps: HealthDeps): () => Promise<HealthReport> {
  const timeoutMs = deps.timeoutMs ?? 2000;
  let slackCache: { at: number; result: CheckResult } | undefined;
  const run = async (fn: () => Promise<unknown>): Promise<CheckResult & { value?: unknown }> => {
    const started = deps.clock.now().getTime();
    const abort = new AbortController();
    try {
      const value = await Promise.race([
        fn(),
        deps.clock
          .sleep(timeoutMs, abort.signal)
          .then(() => Promise.reject(new Error(`no answer within ${timeoutMs} ms`))),
      ]);
      return { ok: true, latencyMs: deps.clock.now().getTime() - started, value };
    } catch (err) {
      return { ok: false, latencyMs: deps.clock.now().getTime() - started, error: (err as Error).message };
    } finally {
      abort.abort();
    }
  };
  const slack = async (): Promise<CheckResult> => {
    const now = deps.clock.now().getTime();
    if (slackCache && now - slackCache.at < (deps.slackCacheMs ?? 30_000)) return slackCache.result;
    const r = await run(deps.slackAuthTest!);
    const v = r.value as { team?: string; user?: string } | undefined;
    const result: CheckResult = {
      ok: r.ok,
      latencyMs: r.latencyMs,
      ...(r.error ? { error: r.error } : {}),
      ...(v ? { detail: { team: v.team, user: v.user } } : {}),
    };
    slackCache = { at: now, result };
    return result;
  };
  return async () => {
    const [redis, slackResult] = await Promise.all([
      run(deps.pingRedis),
      deps.slackAuthTest ? slack() : undefined,
    ]);
    const checks: Record<string, CheckResult> = {
      redis: { ok: redis.ok, latencyMs: redis.latencyMs, ...(redis.error ? { error: redis.error } : {}) },
    };
    if (slackResult) checks.slack = slackResult;
    for (const [name, check] of Object.entries(deps.extra ?? {})) checks[name] = check();
    return { status: Object.values(checks).every((c) => c.ok) ? "ok" : "degraded", checks };
  };
}
