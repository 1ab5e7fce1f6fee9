import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";

/**
 * Coalesces "the operation message should show the latest state" requests: at most one update
 * in flight, at most one more queued however many steps finish meanwhile, and at least
 * `minIntervalMs` between updates (Slack rate-limits chat.update per channel). Keeps those calls
 * off the critical path of the roll.
 */
export function createProgressPump(
  update: () => Promise<void>,
  log: Logger,
  clock: Clock,
  minIntervalMs: number,
): { touch(): void; drain(): Promise<void> } {
  let running: Promise<void> | undefined;
  let dirty = false;
  let closing = false;
  let pause = new AbortController();
  const loop = async () => {
    while (dirty) {
      dirty = false;
      await update().catch((err: Error) => log.warn({ err }, "progress update failed"));
      if (dirty && !closing) await clock.sleep(minIntervalMs, pause.signal).catch(() => undefined);
    }
    running = undefined;
  };
  return {
    touch() {
      dirty = true;
      running ??= loop();
    },
    /** Flush: the last state is sent without waiting out the interval. */
    async drain() {
      closing = true;
      pause.abort();
      while (running) await running;
      closing = false;
      pause = new AbortController();
    },
  };
}
