import "reflect-metadata";
import { parseArgs } from "node:util";
import { readCliEnv, type CliEnv } from "../config/cli-env.js";
import { ConfigError } from "../config/config-error.js";
import { loadInventory } from "../config/load-inventory.js";
import { resolveScanTarget, scanInventory } from "../certs/scan-inventory.js";
import { systemClock } from "../shared/clock.js";
import { createLogger } from "../shared/logger.js";
import { EXIT_INTERNAL, installFailurePolicy } from "../main/failure-policy.js";
import { createSsh2Executor } from "../ssh/ssh2-executor.js";
import { checkConfig } from "./check-config.js";
import { EXIT, exitCodeFor } from "./exit-codes.js";
import { formatCertsJson } from "./format-json.js";
import { formatCertsTable } from "./format-table.js";

export const USAGE = `usage:
  rke2-chatops certs [--cluster NAME] [--node NAME] [--json] [--cross-check] [--config FILE]
  rke2-chatops check-config [--config FILE]

exit status (certs): 0 all fine, 1 renewal window, 2 critical/expired/unreadable, 3 a node could not be scanned, 64 bad usage, 70 internal error, 78 bad configuration`;

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

const defaultIo: CliIo = {
  out: (s) => process.stdout.write(s + "\n"),
  err: (s) => process.stderr.write(s + "\n"),
};

/** Entry point of `npx rke2-chatops`; returns the exit status. */
export async function runCli(
  argv: string[],
  env: CliEnv = readCliEnv(),
  io: CliIo = defaultIo,
): Promise<number> {
  const [command, ...rest] = argv;
  let args;
  try {
    args = parseArgs({
      args: rest,
      options: {
        cluster: { type: "string" },
        node: { type: "string" },
        json: { type: "boolean", default: false },
        "cross-check": { type: "boolean", default: false },
        config: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  if (!command || command === "help" || args.help) {
    io.out(USAGE);
    return command || args.help ? EXIT.OK : EXIT.USAGE;
  }
  if (command !== "certs" && command !== "check-config") {
    io.err(`unknown command "${command}"\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  let inventory;
  try {
    inventory = loadInventory(args.config ?? env.configPath);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(err.message);
      return EXIT.CONFIG;
    }
    throw err;
  }
  const logger = createLogger(env.logLevel, process.stderr);
  const executor = createSsh2Executor({ logger, agentSocket: env.sshAuthSock });
  if (command === "check-config") return checkConfig(inventory, executor, io);

  const target = resolveScanTarget(inventory, args.cluster, args.node);
  if (!target.ok) {
    io.err(target.message);
    return EXIT.USAGE;
  }
  const scans = await scanInventory(
    inventory,
    { executor, clock: systemClock, logger },
    {
      cluster: args.cluster,
      node: args.node,
      crossCheck: args["cross-check"],
    },
  );
  const code = exitCodeFor(scans);
  io.out(args.json ? formatCertsJson(scans, code) : formatCertsTable(scans));
  return code;
}

/**
 * The process entry of bin/rke2-chatops.js: runCli under the failure policy. An internal error
 * exits 70, never 1-3, which cron reads as findings about the certificates.
 */
export async function main(argv: string[]): Promise<void> {
  const env = readCliEnv();
  const logger = createLogger(env.logLevel, process.stderr);
  installFailurePolicy({ logger: () => logger, shutdown: () => process.exit(EXIT_INTERNAL) });
  try {
    process.exitCode = await runCli(argv, env);
  } catch (err) {
    logger.fatal({ err }, "rke2-chatops failed");
    process.exitCode = EXIT_INTERNAL;
  }
}
