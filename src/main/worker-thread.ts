// Entry of the worker thread of ROLE=all: the job workers run here, on their own event loop, so
// CPU-heavy scans (X.509 parsing of every node's certificates) never delay a Slack ack.
import "reflect-metadata";
import { parentPort, workerData } from "node:worker_threads";
import { loadInventory } from "../config/load-inventory.js";
import { createLogger } from "../shared/logger.js";
import { startBot, type Bot } from "./start-bot.js";
import type { FromWorker, ToWorker, WorkerThreadData } from "./thread-protocol.js";

const port = parentPort!;
const send = (m: FromWorker) => port.postMessage(m);
const { env } = workerData as WorkerThreadData;
const logger = createLogger(env.LOG_LEVEL).child({ thread: "worker" });

let bot: Bot | undefined;
try {
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
