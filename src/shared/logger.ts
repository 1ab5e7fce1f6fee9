import { pino, type Logger } from "pino";

export type { Logger };

/** JSON logs to stdout. Secrets are redacted by key name wherever they appear. */
export function createLogger(level: string = "info", destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: "rke2-chatops" },
      redact: {
        paths: [
          "*.token",
          "*.botToken",
          "*.appToken",
          "*.signingSecret",
          "*.privateKey",
          "*.password",
          "headers.authorization",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}

/** A logger that drops everything (tests, CLI quiet mode). */
export const silentLogger: Logger = pino({ level: "silent" });
