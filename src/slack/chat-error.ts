import { AppError } from "../shared/app-error.js";

/**
 * A Slack call that failed for good (after the Web client's own 429 / network retries). `code` is
 * Slack's error string (`not_in_channel`, `invalid_auth`, …) or `http_<status>` / `network_error`;
 * `advice` is what an operator should do; `retryable` says whether a job retry may help.
 */
export class ChatError extends AppError {
  constructor(
    readonly code: string,
    readonly method: string,
    readonly advice: string,
    retryable: boolean,
    readonly channel?: string,
  ) {
    super(`Slack ${method} failed: ${code}${channel ? ` (channel ${channel})` : ""}. ${advice}`, {
      retryable,
      // Someone may invite the bot before the job's next attempt.
      retryDespiteFinal: needsInvite(code),
    });
  }

  /** The bot is not a member of the channel, or cannot see it. */
  get needsInvite(): boolean {
    return needsInvite(this.code);
  }
}

const needsInvite = (code: string): boolean => code === "not_in_channel" || code === "channel_not_found";
