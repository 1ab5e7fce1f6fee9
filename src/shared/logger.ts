import { pino, type Logger } from "pino";

export type { Logger };

/** Key names that hold a secret wherever they appear: Slack tokens, the signing secret, SSH keys. */
const SECRET_KEYS = [
  "token",
  "botToken",
  "appToken",
  "signingSecret",
  "privateKey",
  "passphrase",
  "password",
  "SLACK_BOT_TOKEN",
  "SLACK_APP_TOKEN",
  "SLACK_SIGNING_SECRET",
];

/**
 * pino's redact paths match one level per `*`: a secret key at the top level and under up to six
 * levels of objects or arrays (`{ config }` → `config.clusters[0].nodes[0].ssh.privateKey`).
 */
const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((k) =>
    Array.from({ length: 7 }, (_, depth) => [...Array<string>(depth).fill("*"), k].join(".")),
  ),
  "headers.authorization",
  "*.headers.authorization",
];

/** JSON logs to stdout. Secrets are redacted by key name wherever they appear. */
export function createLogger(level: string = "info", destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: "rke2-chatops" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    destination,
  );
}

/** A logger that drops everything (tests, CLI quiet mode). */
export const silentLogger: Logger = pino({ level: "silent" });
