import type { Logger } from "../shared/logger.js";

/** EX_SOFTWARE: an internal error, distinct from every status the CLI and the service promise. */
export const EXIT_INTERNAL = 70;

type ProcessEvents = Pick<NodeJS.Process, "on" | "off">;

/**
 * The last-resort rule (README "Process failure policy"):
 * - unhandledRejection: logged with the reason's stack; the process keeps running. Every code path
 *   that owns work awaits it, so a rejection nobody awaited has no work of its own left to stop.
 * - uncaughtException: logged as fatal with the stack and origin, then `shutdown` (stop taking
 *   work, let the in-flight jobs' locks lapse or finish, exit non-zero); further exceptions while
 *   shutting down are logged only. Remote input must never reach this: every request and SSH
 *   failure is handled where it happens.
 * Returns a function that removes the handlers.
 */
export function installFailurePolicy(o: {
  logger: () => Logger;
  shutdown: (reason: string) => void;
  proc?: ProcessEvents;
}): () => void {
  const proc = o.proc ?? process;
  let fatal = false;
  const onRejection = (reason: unknown) => {
    o.logger().error(
      { event: "unhandledRejection", err: asError(reason) },
      "unhandledRejection: logged, the process keeps running",
    );
  };
  const onException = (err: Error, origin?: string) => {
    o.logger().fatal(
      { event: "uncaughtException", origin, err: asError(err), alreadyShuttingDown: fatal },
      "uncaughtException: shutting down gracefully, then exiting non-zero",
    );
    if (fatal) return;
    fatal = true;
    o.shutdown(`uncaughtException: ${asError(err).message}`);
  };
  proc.on("unhandledRejection", onRejection);
  proc.on("uncaughtException", onException);
  return () => {
    proc.off("unhandledRejection", onRejection);
    proc.off("uncaughtException", onException);
  };
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(`non-error value thrown: ${String(value)}`);
}
