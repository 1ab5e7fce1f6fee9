import type { Clock } from "../../src/shared/clock.js";

/** A Clock that only moves when the test says so: sleeps resolve on advance(), never on their own. */
export class ManualClock implements Clock {
  private offset = 0;
  private timers: Array<{ at: number; resolve: () => void }> = [];

  constructor(private readonly base = Date.now()) {}

  now(): Date {
    return new Date(this.base + this.offset);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const t = { at: this.offset + ms, resolve };
      this.timers.push(t);
      signal?.addEventListener(
        "abort",
        () => {
          this.timers = this.timers.filter((x) => x !== t);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Pending sleeps (to know a waiter has armed its timer). */
  get pending(): number {
    return this.timers.length;
  }

  async advance(ms: number): Promise<void> {
    this.offset += ms;
    const due = this.timers.filter((t) => t.at <= this.offset);
    this.timers = this.timers.filter((t) => t.at > this.offset);
    for (const t of due) t.resolve();
    await new Promise((r) => setImmediate(r));
  }
}
