import type { z } from "zod";

const SLACK_SETUP = 'README "Connect a real Slack workspace"';

/** What each variable looks like and where to get it: start-up errors are read by a person. */
export const ENV_HINTS: Record<string, string> = {
  SLACK_BOT_TOKEN: `the bot token, xoxb-…: install the app from manifest.yml, then OAuth & Permissions → Bot User OAuth Token (${SLACK_SETUP}, step 1)`,
  SLACK_SIGNING_SECRET: `HTTP mode's request signing secret: Basic Information → App Credentials → Signing Secret; or set SLACK_APP_TOKEN for Socket Mode instead (${SLACK_SETUP}, step 1)`,
  SLACK_APP_TOKEN: `Socket Mode's app-level token, xapp-…: Basic Information → App-Level Tokens, scope connections:write (${SLACK_SETUP}, step 1)`,
  SLACK_API_URL:
    'the Slack Web API base URL ending in /, such as https://slack.com/api/ (README "Configuration")',
  PORT: 'the HTTP port, 0-65535, default 3000 (README "Configuration")',
  REDIS_URL:
    'redis://host:6379 or rediss://… for TLS, default redis://127.0.0.1:6379 (README "Configuration")',
  RKE2_CHATOPS_CONFIG: 'the path of the inventory file, default ./rke2-chatops.yaml (README "Configuration")',
  LOG_LEVEL: 'one of debug, info, warn, error (README "Configuration")',
  ROLE: 'one of web, worker, all (README "Tokens and environment")',
};

/** `SLACK_BOT_TOKEN is not set: the bot token, xoxb-…: …` instead of zod's "expected string". */
export function describeEnvIssue(issue: z.core.$ZodIssue): string {
  const key = String(issue.path[0] ?? "");
  const missing = issue.code === "invalid_type" && /received undefined/.test(issue.message);
  const what = missing
    ? "is not set"
    : issue.code === "custom"
      ? issue.message
      : `is invalid (${issue.message})`;
  const hint = ENV_HINTS[key];
  return hint ? `${key} ${what}; expected ${hint}` : `${key} ${what}`;
}
