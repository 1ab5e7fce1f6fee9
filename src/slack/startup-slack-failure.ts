import { ChatError } from "./chat-error.js";
import type { Logger } from "../shared/logger.js";

const UNREACHABLE_ADVICE =
  "Check that this host reaches SLACK_API_URL (proxy, firewall, DNS). The bot does not retry at start-up: it exits 1, and a supervisor restarting it (docker-compose restart: unless-stopped, Kubernetes, systemd Restart=on-failure) tries again.";

/**
 * Start-up is crash-only: when auth.test fails the process does not retry, it exits 1 and its
 * supervisor starts it again. A rejected token needs a person; Slack being unreachable usually
 * passes. Logs which one it is and returns the error to throw, its advice fitting start-up.
 */
export function startupSlackFailure(logger: Logger, e: ChatError, err: unknown): ChatError {
  if (!e.retryable) {
    logger.fatal(
      { slackError: e.code, advice: e.advice },
      `Slack rejected SLACK_BOT_TOKEN at start-up: ${e.code}`,
    );
    return e;
  }
  logger.fatal(
    { slackError: e.code, err, advice: UNREACHABLE_ADVICE },
    `Slack could not be reached at start-up (${e.code}): exiting 1`,
  );
  return new ChatError(e.code, e.method, UNREACHABLE_ADVICE, e.retryable, e.channel);
}
