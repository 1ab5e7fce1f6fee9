import { LogLevel, type Logger as BoltLogger } from "@slack/web-api";
import type { Logger } from "../shared/logger.js";

const TOKEN = /\b(xox[abposr]|xapp)-[A-Za-z0-9-]+/g;

/**
 * Slack SDK log lines into pino (the Web API client and Bolt share this logger interface); anything
 * shaped like a Slack token is masked first.
 */
export function toBoltLogger(logger: Logger, name = "slack-sdk"): BoltLogger {
  let child = logger.child({ component: name });
  const line = (msg: unknown[]) =>
    msg
      .map((m) => (m instanceof Error ? m.message : typeof m === "string" ? m : safeJson(m)))
      .join(" ")
      .replace(TOKEN, "$1-[redacted]");
  return {
    debug: (...m) => child.debug(line(m)),
    info: (...m) => child.info(line(m)),
    warn: (...m) => child.warn(line(m)),
    error: (...m) => child.error(line(m)),
    // The level is pino's, set from LOG_LEVEL; the SDKs ask for theirs but must not change it.
    setLevel: () => undefined,
    getLevel: () =>
      logger.isLevelEnabled("debug")
        ? LogLevel.DEBUG
        : logger.isLevelEnabled("info")
          ? LogLevel.INFO
          : LogLevel.WARN,
    setName: (n) => {
      child = logger.child({ component: n });
    },
  };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
