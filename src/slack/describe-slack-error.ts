import { ErrorCode } from "@slack/web-api";
import { ChatError } from "./chat-error.js";

const AUTH_CODES = new Set([
  "invalid_auth",
  "not_authed",
  "token_revoked",
  "token_expired",
  "account_inactive",
  "no_permission",
]);
const TRANSIENT_CODES = new Set([
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
  "ratelimited",
  "rate_limited",
]);

/** The one translator from Slack failures to advice a human can act on. */
export function adviceFor(code: string, channel?: string): string {
  const ch = channel ? `<#${channel}>` : "the channel";
  if (code === "not_in_channel")
    return `Invite @rke2-chatops to ${ch}: type \`/invite @rke2-chatops\` there.`;
  if (code === "channel_not_found")
    return `Check the channel ID ${channel ?? ""} in the inventory; if it is a private channel, invite @rke2-chatops to it first.`;
  if (code === "is_archived")
    return `${ch} is archived: unarchive it or point the cluster at another channel in the inventory.`;
  if (AUTH_CODES.has(code))
    return "SLACK_BOT_TOKEN is invalid or revoked: reinstall the app from manifest.yml and set the new xoxb- token.";
  if (code === "missing_scope")
    return "The app lacks a scope it needs: update the app from manifest.yml and reinstall it.";
  if (code === "expired_url" || code === "used_url")
    return "The slash command's response URL expired (30 minutes, 5 uses): run the command again.";
  if (code === "invalid_blocks" || code === "msg_too_long")
    return "Slack refused the message layout: this is a bug, please report it with the log line.";
  if (TRANSIENT_CODES.has(code) || code.startsWith("http_5") || code === "network_error")
    return "Slack or the network had a problem; the bot retries.";
  return "See https://api.slack.com/methods for the error code.";
}

export function isRetryableCode(code: string): boolean {
  return (
    TRANSIENT_CODES.has(code) || code.startsWith("http_5") || code === "network_error" || code === "http_429"
  );
}

/** Slack error code of anything the Web client throws. */
export function slackErrorCode(err: unknown): string {
  const e = err as { code?: string; data?: { error?: string }; statusCode?: number };
  if (e?.code === ErrorCode.PlatformError) return e.data?.error ?? "unknown_error";
  if (e?.code === ErrorCode.HTTPError) return `http_${e.statusCode ?? 0}`;
  if (e?.code === ErrorCode.RateLimitedError) return "rate_limited";
  if (e?.code === ErrorCode.RequestError) return "network_error";
  if (err instanceof ChatError) return err.code;
  return "unknown_error";
}

export function toChatError(err: unknown, method: string, channel?: string): ChatError {
  if (err instanceof ChatError) return err;
  const code = slackErrorCode(err);
  return new ChatError(
    code,
    method,
    adviceFor(code, channel),
    isRetryableCode(code) || code === "unknown_error",
    channel,
  );
}
