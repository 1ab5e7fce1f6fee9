import type { Clock } from "../../shared/clock.js";

export interface PollResult {
  ok: boolean;
  why: string;
  waitedMs: number;
}

/**
 * Probe until it passes or `timeoutMs` has elapsed on the injected clock (tests move time instead
 * of sleeping). Always probes at least once, and once more at the deadline.
 */
export async function pollUntil(
  clock: Clock,
  o: { timeoutMs: number; intervalMs: number; signal?: AbortSignal },
  probe: () => Promise<{ ok: boolean; why: string }>,
): Promise<PollResult> {
  const start = clock.now().getTime();
  for (;;) {
    const r = await probe();
    const waited = clock.now().getTime() - start;
    if (r.ok || waited >= o.timeoutMs) return { ...r, waitedMs: waited };
    await clock.sleep(Math.min(o.intervalMs, Math.max(0, o.timeoutMs - waited)), o.signal);
  }
}

/** Poll on the engine clock with the inventory's readiness timeout and interval (every readiness wait). */
export function pollForReadiness(
  ctx: {
    clock: Clock;
    signal: AbortSignal;
    inventory: { operations: { nodeReadyTimeoutSeconds: number; pollIntervalSeconds: number } };
  },
  probe: () => Promise<{ ok: boolean; why: string }>,
): Promise<PollResult> {
  const o = ctx.inventory.operations;
  return pollUntil(
    ctx.clock,
    {
      timeoutMs: o.nodeReadyTimeoutSeconds * 1000,
      intervalMs: o.pollIntervalSeconds * 1000,
      signal: ctx.signal,
    },
    probe,
  );
}
