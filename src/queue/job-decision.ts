import { UnrecoverableError } from "bullmq";
import { isAppError } from "../shared/app-error.js";

/**
 * What a worker does with a job that threw: "retry" rethrows it as it is (BullMQ retries with the
 * queue's backoff while attempts last), "fail" ends the job now because no retry can help.
 */
export type JobDecision = "retry" | "fail";

/**
 * The one rule, read from AppError.retryable and AppError.retryDespiteFinal (an error final now
 * that a person may fix before the next attempt, such as a missing invite). Anything that is not
 * ours (Redis down, a bug) is retried, as BullMQ would by default.
 */
export function decideJob(err: unknown): JobDecision {
  if (isAppError(err)) return err.retryable || err.retryDespiteFinal ? "retry" : "fail";
  return "retry";
}

/** The value for the processor to throw: the error itself, or BullMQ's UnrecoverableError when it is final. */
export function toJobError(err: unknown): unknown {
  if (decideJob(err) === "retry") return err;
  const final = new UnrecoverableError((err as Error).message);
  final.cause = err;
  return final;
}

/** Whether BullMQ will run the job again after it throws `err` (an attempt is left and retrying may help). */
export function willRetry(err: unknown, job: { attemptsMade: number; opts: { attempts?: number } }): boolean {
  return decideJob(err) === "retry" && job.attemptsMade + 1 < (job.opts.attempts ?? 1);
}

/** A BullMQ processor whose every throw goes through toJobError (DelayedError and the like pass as they are). */
export function withJobDecisions<A extends unknown[], R>(
  processor: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await processor(...args);
    } catch (err) {
      throw toJobError(err);
    }
  };
}
