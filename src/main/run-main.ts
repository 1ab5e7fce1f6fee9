import { ConfigError } from "../config/config-error.js";
import { readEnv } from "../config/env.js";
import { loadInventory } from "../config/load-inventory.js";
import { systemClock } from "../shared/clock.js";
import { createLogger, type Logger } from "../shared/logger.js";
import { explainConfigError } from "./explain-config-error.js";
import { EXIT_INTERNAL, installFailurePolicy } from "./failure-policy.js";
import { startAllInOne } from "./start-all-in-one.js";
import { startBot } from "./start-bot.js";
import { lowerWorkerPriority } from "./worker-priority.js";

/** SIGTERM must end the process within 15 s: jobs get 11 s to finish, connections the rest. */
const JOB_GRACE_MS = 11_000;
const HARD_DEADLINE_MS = 14_000;

/** `npm start`: read env and inventory, start the roles asked for, stop gracefully on SIGTERM/SIGINT. */
export async function runMain(): Promise<void> {
  let logger: Logger = createLogger("info");
  let bot: { stop(graceMs: number): Promise<void> } | undefined;
  let stopping = false;
  installFailurePolicy({ logger: () => logger, shutdown: (reason) => stop(reason, EXIT_INTERNAL) });
  try {
    const env = readEnv();
    logger = createLogger(env.LOG_LEVEL);
    const inventory = loadInventory(env.RKE2_CHATOPS_CONFIG);
    if (env.ROLE === "worker") lowerWorkerPriority(env.WORKER_NICE, logger);
    // ROLE=all: web on the main thread, workers on a worker thread (scans never delay a Slack ack).
    bot =
      env.ROLE === "all"
        ? await startAllInOne({ env, inventory, logger, onThreadDeath: () => stop("worker thread death", 1) })
        : await startBot({ env, inventory, logger });
  } catch (err) {
    if (err instanceof ConfigError) {
      logger.fatal({ source: err.source, problems: err.problems }, err.message);
      process.stderr.write(explainConfigError(err));
      process.exitCode = 78; // EX_CONFIG
    } else {
      logger.fatal({ err }, "rke2-chatops could not start");
      process.exitCode = 1;
    }
    return;
  }
  function stop(signal: string, exitCode = 0): void {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    systemClock.sleep(HARD_DEADLINE_MS).then(() => {
      logger.error("graceful shutdown took too long; exiting");
      process.exit(1);
    });
    if (!bot) process.exit(exitCode || 1);
    bot.stop(JOB_GRACE_MS).then(
      () => process.exit(exitCode),
      (err: Error) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  }
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
