import type { ConfigError } from "../config/config-error.js";

/**
 * The start-up refusal as a person reads it on stderr (the JSON log line on stdout stays for
 * log collectors): what is wrong, one line each, and where the README explains it.
 */
export function explainConfigError(err: ConfigError): string {
  const env = err.source === "environment";
  const head = env
    ? "rke2-chatops cannot start: the environment is incomplete or wrong."
    : `rke2-chatops cannot start: the inventory ${err.source} is invalid.`;
  const where = env
    ? 'Set the variables (a .env file for docker-compose, or export them) and start again; README "Configuration" lists every variable.'
    : 'Fix the keys named above (README "Configuration" describes each one) and check with `npx rke2-chatops check-config`.';
  return [head, ...err.problems.map((p) => `  - ${p}`), where, ""].join("\n");
}
