import { setPriority } from "node:os";
import type { Logger } from "../shared/logger.js";

/**
 * Lower the calling thread's CPU priority (Linux nice is per thread; threads it starts later
 * inherit it): the worker's scans and operations are batch work, and on a host shared with a web
 * replica they must not delay a Slack ack past its 3 s. Raising nice needs no privilege.
 */
export function lowerWorkerPriority(nice: number, logger: Logger): void {
  if (nice === 0) return;
  try {
    setPriority(nice);
  } catch (err) {
    logger.warn({ err, nice }, "could not lower the worker's CPU priority (WORKER_NICE)");
  }
}
