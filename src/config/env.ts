import { z } from "zod";
import { ConfigError } from "./config-error.js";
import { describeEnvIssue } from "./env-hints.js";

const envSchema = z
  .object({
    SLACK_BOT_TOKEN: z.string().startsWith("xoxb-", "a bot token begins with xoxb-"),
    SLACK_SIGNING_SECRET: z.string().min(1).optional(),
    SLACK_APP_TOKEN: z.string().startsWith("xapp-", "expected an app-level token (xapp-…)").optional(),
    SLACK_API_URL: z.url().endsWith("/", "must end with /").default("https://slack.com/api/"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, "expected redis://…")
      .default("redis://127.0.0.1:6379"),
    RKE2_CHATOPS_CONFIG: z.string().min(1).default("./rke2-chatops.yaml"),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
    ROLE: z.enum(["web", "worker", "all"]).default("all"),
    // Scans and operations are batch work: on a shared host they yield the CPU to the Slack acks.
    WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),
  })
  .superRefine((e, ctx) => {
    if (!e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET)
      ctx.addIssue({
        code: "custom",
        path: ["SLACK_SIGNING_SECRET"],
        message: "is not set, and HTTP mode (no SLACK_APP_TOKEN) needs it",
      });
  });

export type Env = z.infer<typeof envSchema>;

/** Only config/ reads process.env; everything else receives an Env. */
export function readEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const blankToUndefined = Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, v === "" ? undefined : v]),
  );
  const parsed = envSchema.safeParse(blankToUndefined);
  if (!parsed.success) throw new ConfigError("environment", parsed.error.issues.map(describeEnvIssue));
  return parsed.data;
}
