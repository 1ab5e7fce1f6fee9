// Entry of the worker thread of ROLE=all: the job workers run here, on their own event loop, so
// CPU-heavy scans (X.509 parsing of every node's certificates) never delay a Slack ack.
import "reflect-metadata";
import { parentPort, workerData } from "node:worker_threads";
import { loadInventory } from "../config/load-inventory.js";
import { systemClock } from "../shared/clock.js";
import { createLogger } from "../shared/logger.js";
import { EXIT_INTERNAL, installFailurePolicy } from "./failure-policy.js";
import { startBot, type Bot } from "./start-bot.js";
import { lowerWorkerPriority } from "./worker-priority.js";
import type { FromWorker, ToWorker, WorkerThreadData } from "./thread-protocol.js";

const port = parentPort!;
const send = (m: FromWorker) => port.postMessage(m);
const { env } = workerData as WorkerThreadData;
const logger = createLogger(env.LOG_LEVEL).child({ thread: "worker" });

/** The thread's share of run-main's 15 s budget: the main thread stops the process when it exits. */
const FATAL_GRACE_MS = 10_000;

let bot: Bot | undefined;
// Same rule as the main thread; an exit of this thread stops the whole process (onThreadDeath).
installFailurePolicy({
  logger: () => logger,
  shutdown: () => {
    void systemClock.sleep(FATAL_GRACE_MS + 1000).then(() => process.exit(EXIT_INTERNAL));
    void (bot?.stop(FATAL_GRACE_MS) ?? Promise.resolve()).finally(() => process.exit(EXIT_INTERNAL));
  },
});
try {
  lowerWorkerPriority(env.WORKER_NICE, logger);
  bot = await startBot({
    env: { ...env, ROLE: "worker" },
    inventory: loadInventory(env.RKE2_CHATOPS_CONFIG),
    logger,
    serveHttp: false,
  });
  send({ type: "ready" });
} catch (err) {
  send({ type: "failed", message: (err as Error).message });
  port.close();
}

port.on("message", (m: ToWorker) => {
  if (!bot) return;
  if (m.type === "metrics")
    void bot.metrics.registry
      .getMetricsAsJSON()
      .then((metrics) => send({ type: "metrics", id: m.id, metrics }));
  if (m.type === "stop")
    void bot.stop(m.graceMs).finally(() => {
      send({ type: "stopped" });
      port.close();
    });
});
