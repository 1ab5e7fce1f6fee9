/** The few environment values the command line needs (no Slack tokens). Only config/ reads process.env. */
export interface CliEnv {
  configPath: string;
  logLevel: string;
  sshAuthSock?: string;
}

export function readCliEnv(env: NodeJS.ProcessEnv = process.env): CliEnv {
  return {
    configPath: env.RKE2_CHATOPS_CONFIG || "./rke2-chatops.yaml",
    logLevel: env.LOG_LEVEL || "warn",
    sshAuthSock: env.SSH_AUTH_SOCK || undefined,
  };
}
