import "reflect-metadata";
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { readCliEnv, type CliEnv } from "../config/cli-env.js";
import { ConfigError } from "../config/config-error.js";
import { loadInventory } from "../config/load-inventory.js";
import { resolveScanTarget, scanInventory } from "../scan/scan-inventory.js";
import { systemClock } from "../shared/clock.js";
import { createLogger } from "../shared/logger.js";
import { EXIT_INTERNAL, installFailurePolicy } from "../main/failure-policy.js";
import { createSsh2Executor } from "../ssh/ssh2-executor.js";
import { checkConfig } from "./check-config.js";
import { EXIT, exitCodeFor } from "./exit-codes.js";
import { formatCertsJson } from "./format-json.js";
import { formatCertsTable } from "./format-table.js";

const EXIT_HELP = `
Exit status (certs): 0 all fine, 1 renewal window, 2 critical, expired or
  unreadable, 3 a node could not be scanned, 64 bad usage, 70 internal error,
  78 bad configuration, 141 stdout closed early. check-config: 0 every node fine,
  3 a node failed.
Environment: RKE2_CHATOPS_CONFIG (inventory, default ./rke2-chatops.yaml),
  LOG_LEVEL (default warn), SSH_AUTH_SOCK (ssh-agent).`;

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

interface CertsOptions {
  cluster?: string;
  node?: string;
  json?: boolean;
  crossCheck?: boolean;
  config?: string;
}

const defaultIo: CliIo = {
  out: (s) => process.stdout.write(s + "\n"),
  err: (s) => process.stderr.write(s + "\n"),
};

/** package.json sits two levels up from both src/cli and dist/cli. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/**
 * Entry point of `npx rke2-chatops`; returns the exit status. commander parses and prints help and
 * the version (exit 0); every usage error, and no command at all, exits 64 with the usage on stderr.
 */
export async function runCli(
  argv: string[],
  env: CliEnv = readCliEnv(),
  io: CliIo = defaultIo,
): Promise<number> {
  let code: number = EXIT.OK;
  const program = new Command("rke2-chatops")
    .description("Scan the RKE2 certificates of the bot's inventory over SSH, or check the inventory.")
    .version(packageVersion(), "-V, --version", "print the version and exit")
    .helpOption("-h, --help", "print this help and exit")
    .addHelpText("after", EXIT_HELP);
  program
    .command("certs")
    .description("scan every node (or one cluster or node) and print a table worst first, or JSON")
    .option("--cluster <name>", "only this cluster")
    .option("--node <name>", "only this node (with --cluster, or unique across clusters)")
    .option("--json", "print JSON: every node and certificate")
    .option("--cross-check", "also compare with `rke2 certificate check` on server nodes")
    .option("--config <file>", "inventory file (default $RKE2_CHATOPS_CONFIG or ./rke2-chatops.yaml)")
    .addHelpText("after", EXIT_HELP)
    .action(async (opts: CertsOptions) => {
      code = await runCerts(opts, env, io);
    });
  program
    .command("check-config")
    .description("validate the inventory and try every SSH connection, one line per node")
    .option("--config <file>", "inventory file (default $RKE2_CHATOPS_CONFIG or ./rke2-chatops.yaml)")
    .addHelpText("after", EXIT_HELP)
    .action(async (opts: { config?: string }) => {
      code = await runCheckConfig(opts, env, io);
    });
  program
    .command("audit <target>")
    .description("print the audit trail of a cluster or an operation as JSON Lines (summary on stderr)")
    .option("--config <file>", "inventory file (default $RKE2_CHATOPS_CONFIG or ./rke2-chatops.yaml)")
    .action(async (target: string, opts: { config?: string }) => {
      const r = inventoryOrExit(opts.config ?? env.configPath, io);
      // Loaded on use: `certs` (the hot path) never pays for ioredis.
      const { runAudit } = await import("./audit-command.js");
      code = r.inventory ? await runAudit(target, r.inventory, env, io) : r.code;
    });
  for (const c of [program, ...program.commands])
    c.exitOverride()
      .showHelpAfterError("(run `rke2-chatops --help` for usage)")
      .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    // --help, --version and `help` carry exit code 0; everything else commander refuses is usage.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    throw err;
  }
  return code;
}

function inventoryOrExit(path: string, io: CliIo) {
  try {
    return { inventory: loadInventory(path) };
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(err.message);
      return { code: EXIT.CONFIG };
    }
    throw err;
  }
}

async function runCheckConfig(opts: { config?: string }, env: CliEnv, io: CliIo): Promise<number> {
  const r = inventoryOrExit(opts.config ?? env.configPath, io);
  if (!r.inventory) return r.code;
  const logger = createLogger(env.logLevel, process.stderr);
  return checkConfig(r.inventory, createSsh2Executor({ logger, agentSocket: env.sshAuthSock }), io);
}

async function runCerts(opts: CertsOptions, env: CliEnv, io: CliIo): Promise<number> {
  const r = inventoryOrExit(opts.config ?? env.configPath, io);
  if (!r.inventory) return r.code;
  const inventory = r.inventory;
  const target = resolveScanTarget(inventory, opts.cluster, opts.node);
  if (!target.ok) {
    io.err(target.message);
    return EXIT.USAGE;
  }
  const logger = createLogger(env.logLevel, process.stderr);
  const executor = createSsh2Executor({ logger, agentSocket: env.sshAuthSock });
  const scans = await scanInventory(
    inventory,
    { executor, clock: systemClock, logger },
    { cluster: opts.cluster, node: opts.node, crossCheck: Boolean(opts.crossCheck) },
  );
  const code = exitCodeFor(scans);
  io.out(opts.json ? formatCertsJson(scans, code) : formatCertsTable(scans));
  return code;
}

/** SIGPIPE's status (128 + 13): what a shell reports for a C tool whose reader went away. */
const EXIT_PIPE = 141;

/**
 * The process entry of bin/rke2-chatops.js: runCli under the failure policy. An internal error
 * exits 70, never 1-3, which cron reads as findings about the certificates.
 */
export async function main(argv: string[]): Promise<void> {
  const env = readCliEnv();
  const logger = createLogger(env.logLevel, process.stderr);
  installFailurePolicy({ logger: () => logger, shutdown: () => process.exit(EXIT_INTERNAL) });
  // The reader went away (`certs --json | head`): stop quietly with SIGPIPE's status, as C tools do.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    process.exit(EXIT_PIPE);
  });
  try {
    process.exitCode = await runCli(argv, env);
  } catch (err) {
    logger.fatal({ err }, "rke2-chatops failed");
    process.exitCode = EXIT_INTERNAL;
  }
}
