/**
 * The one shape of the bot's own errors. `code` names what went wrong (each family has its own
 * union), `message` is written for an operator and never carries secrets (tokens, key material,
 * credentials in URLs), `retryable` says whether doing the same thing again later may succeed.
 * Slack replies (slack/error-reply.ts) and job decisions (queue/job-decision.ts) read only these.
 */
export abstract class AppError<C extends string = string> extends Error {
  abstract readonly code: C;
  readonly retryable: boolean;
  /**
   * Not retryable now, yet a queued job should try again later: a person may fix the cause
   * between attempts (invite the bot to a channel). Read by queue/job-decision.ts only.
   */
  readonly retryDespiteFinal: boolean;

  constructor(message: string, opts: { retryable: boolean; retryDespiteFinal?: boolean; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.retryable = opts.retryable;
    this.retryDespiteFinal = opts.retryDespiteFinal ?? false;
    this.name = new.target.name;
  }
}

export const isAppError = (value: unknown): value is AppError => value instanceof AppError;
