/** The few environment values the command line needs (no Slack tokens). Only config/ reads process.env. */
export interface CliEnv {
  configPath: string;
  logLevel: string;
  sshAuthSock?: string;
  /** Redis holding the audit streams (`audit`). */
  redisUrl?: string;
}

export function readCliEnv(env: NodeJS.ProcessEnv = process.env): CliEnv {
  return {
    configPath: env.RKE2_CHATOPS_CONFIG || "./rke2-chatops.yaml",
    logLevel: env.LOG_LEVEL || "warn",
    sshAuthSock: env.SSH_AUTH_SOCK || undefined,
    redisUrl: env.REDIS_URL || "redis://127.0.0.1:6379",
  };
}
