import type { Logger } from "../../shared/logger.js";

/**
 * Coalesces "the operation message should show the latest state" requests: at most one update
 * in flight, and at most one more queued however many steps finish meanwhile. Keeps chat.update
 * calls (rate-limited by Slack) off the critical path of the roll.
 */
export function createProgressPump(update: () => Promise<void>, log: Logger): { touch(): void; drain(): Promise<void> } {
  let running: Promise<void> | undefined;
  let dirty = false;
  const loop = async () => {
    while (dirty) {
      dirty = false;
      await update().catch((err: Error) => log.warn({ err: err.message }, "progress update failed"));
    }
    running = undefined;
  };
  return {
    touch() {
      dirty = true;
      running ??= loop();
    },
    async drain() {
      while (running) await running;
    },
  };
}
