import { setMaxListeners } from "node:events";
import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";
import { MAX_SIGNAL_LISTENERS } from "../../shared/signal-listeners.js";
import type { OperationLedger } from "../engine/ports.js";

/**
 * While a preflight runs, renew the cluster lock's TTL every third of it, so a slow preflight
 * never outlives its lock. When a renewal finds the lock gone (or foreign), `signal` aborts: the
 * preflight's remote commands stop and the commit that would persist the lock fails anyway.
 */
export function keepLockAlive(o: {
  ledger: OperationLedger;
  cluster: string;
  lock: string;
  ttlMs: number;
  clock: Clock;
  log: Logger;
}): { signal: AbortSignal; stop(): void } {
  const lost = new AbortController();
  // The preflight's SSH commands to every node listen on it at once.
  setMaxListeners(MAX_SIGNAL_LISTENERS, lost.signal);
  const done = new AbortController();
  const every = Math.max(50, Math.floor(o.ttlMs / 3));
  void (async () => {
    while (!done.signal.aborted) {
      try {
        await o.clock.sleep(every, done.signal);
      } catch {
        return; // stopped
      }
      try {
        if (!(await o.ledger.extendClusterLock(o.cluster, o.lock, o.ttlMs))) {
          lost.abort(new Error(`the cluster lock of ${o.cluster} was lost during the preflight`));
          return;
        }
      } catch (err) {
        // Redis unreachable: keep trying; the commit at the end re-checks the lock atomically.
        o.log.warn({ err }, "could not renew the cluster lock during preflight");
      }
    }
  })();
  return { signal: lost.signal, stop: () => done.abort() };
}
