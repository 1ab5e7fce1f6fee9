import type { ChatMessage } from "../shared/chat-port.js";
import { isAppError } from "../shared/app-error.js";
import { clip, esc } from "./blocks/block-kit.js";
import { renderNotice } from "./blocks/render-notice.js";
import { ChatError } from "./chat-error.js";

/** An error's detail in a reply stays short: the full error is in the log. */
export const MAX_ERROR_DETAIL = 400;

/**
 * What an operator reads in Slack when something threw while `what` (our own text, a gerund:
 * "scanning", "handling that click"). Only our own errors are quoted: an AppError's message is
 * written for operators and carries no secrets, escaped and clipped here. Anything else (a Redis
 * error, a bug, a thrown string) may hold anything, so it only points at the log.
 */
export function errorReplyText(err: unknown, what: string): string {
  if (!isAppError(err))
    return `Something went wrong while ${what}; the error is in the bot's log. Try again, or \`/rke2 status\`.`;
  const detail =
    err instanceof ChatError
      ? // The advice is our own mrkdwn (channel links); Slack's code is quoted as text.
        `Slack ${err.method} failed: ${esc(clip(err.code, 80))}. ${err.advice}`
      : esc(clip(err.message.trim(), MAX_ERROR_DETAIL));
  const next = err.retryable
    ? "Try again in a while, or `/rke2 status`."
    : "Trying again will not help until that is fixed.";
  return `Something went wrong while ${what}: ${detail.replace(/\.$/, "")}. ${next}`;
}

/** errorReplyText as a notice. */
export const errorReply = (err: unknown, what: string): ChatMessage =>
  renderNotice(errorReplyText(err, what), { emoji: ":x:", trusted: true });
