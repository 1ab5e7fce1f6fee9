import { setMaxListeners } from "node:events";
import type { Clock } from "../shared/clock.js";
import type { Logger } from "../shared/logger.js";
import { MAX_SIGNAL_LISTENERS } from "../shared/signal-listeners.js";

/**
 * BullMQ's own lock renewal waits forever when Redis stops answering (paused, partitioned), so
 * `lockRenewalFailed` never fires and the worker would go on starting remote commands while
 * another replica may take the job over. This watchdog renews on its own and aborts the returned
 * signal once no renewal has succeeded for a whole lock duration: from then on the engine starts
 * no remote command, and the re-delivery resumes from the ledger.
 */
export function watchLease(o: {
  /** Extend the job's lock (job.extendLock); may hang while Redis is unreachable. */
  renew: () => Promise<unknown>;
  lockDurationMs: number;
  clock: Clock;
  log: Logger;
  /** BullMQ's own abort (cancelJob, lockRenewalFailed). */
  parent?: AbortSignal;
}): { signal: AbortSignal; stop(): void } {
  const ac = new AbortController();
  // Every SSH command of the segment listens on this signal: a wide agent roll has hundreds at once.
  setMaxListeners(MAX_SIGNAL_LISTENERS, ac.signal);
  const stopped = new AbortController();
  const abort = (why: unknown) => {
    if (!ac.signal.aborted) ac.abort(why);
  };
  if (o.parent?.aborted) abort(o.parent.reason);
  o.parent?.addEventListener("abort", () => abort(o.parent?.reason), { once: true });
  let lastOk = o.clock.now().getTime();
  let inFlight = false;
  const tick = Math.max(20, Math.floor(o.lockDurationMs / 4));
  void (async () => {
    while (!stopped.signal.aborted && !ac.signal.aborted) {
      if (!inFlight) {
        inFlight = true;
        const started = o.clock.now().getTime();
        o.renew().then(
          () => {
            inFlight = false;
            lastOk = Math.max(lastOk, started);
          },
          (err: Error) => {
            inFlight = false;
            o.log.warn({ err }, "operation job: lock renewal failed");
          },
        );
      }
      try {
        await o.clock.sleep(tick, stopped.signal);
      } catch {
        return;
      }
      const silentMs = o.clock.now().getTime() - lastOk;
      if (silentMs > o.lockDurationMs) {
        o.log.error({ silentMs }, "operation job: lock not renewed for a whole lock duration; stopping");
        abort(new Error(`job lock not renewed for ${silentMs} ms`));
      }
    }
  })();
  return { signal: ac.signal, stop: () => stopped.abort() };
}
