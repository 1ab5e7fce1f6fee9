import type { Clock } from "../shared/clock.js";
import { AppError } from "../shared/app-error.js";

/** Thrown when no slot freed up within the timeout: the caller fails clearly instead of hanging. */
export class SlotTimeoutError extends AppError<"slot-timeout"> {
  readonly code = "slot-timeout";
  constructor(readonly waitedMs: number) {
    // A slot may free up later; the executor turns this into SshError "busy" for its callers.
    super(`no free slot after ${waitedMs} ms`, { retryable: true });
  }
}

interface Waiter {
  grant: () => void;
}

/** Counting semaphore: bounds how many nodes are talked to at once. Waiters are served in order. */
export class Semaphore {
  private waiters: Waiter[] = [];
  private active = 0;

  constructor(
    private readonly limit: number,
    private readonly clock?: Clock,
  ) {
    if (limit < 1) throw new RangeError("semaphore limit must be >= 1");
  }

  get inUse(): number {
    return this.active;
  }

  /**
   * Resolves with a release function. With `timeoutMs` (on the clock given to the constructor), rejects
   * with SlotTimeoutError when no slot freed up in time; an aborted `signal` rejects with its reason.
   */
  async acquire(o: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<() => void> {
    if (o.signal?.aborted) throw o.signal.reason;
    // A released slot is handed straight to the first waiter, so nobody can overtake it.
    if (this.active >= this.limit) await this.wait(o);
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next.grant();
      else this.active--;
    };
  }

  private wait(o: { timeoutMs?: number; signal?: AbortSignal }): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const stopTimer = new AbortController();
      const leave = () => {
        this.waiters = this.waiters.filter((w) => w !== me);
        stopTimer.abort();
        o.signal?.removeEventListener("abort", onAbort);
      };
      const me: Waiter = {
        grant: () => {
          leave();
          resolve();
        },
      };
      const onAbort = () => {
        leave();
        reject(o.signal?.reason);
      };
      this.waiters.push(me);
      o.signal?.addEventListener("abort", onAbort, { once: true });
      if (o.timeoutMs !== undefined && this.clock)
        this.clock.sleep(o.timeoutMs, stopTimer.signal).then(
          () => {
            if (!this.waiters.includes(me)) return;
            leave();
            reject(new SlotTimeoutError(o.timeoutMs!));
          },
          () => undefined, // granted or aborted first
        );
    });
  }
}
