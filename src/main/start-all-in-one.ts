import type { Env } from "../config/env.js";
import type { Inventory } from "../config/inventory.js";
import type { MetricsJson } from "../observability/http-routes.js";
import { systemClock, type Clock } from "../shared/clock.js";
import type { Logger } from "../shared/logger.js";
import { spawnWorkerThread } from "./spawn-worker-thread.js";
import { startBot } from "./start-bot.js";
import type { FromWorker, ToWorker } from "./thread-protocol.js";

export interface AllInOne {
  port: number;
  stop(graceMs: number): Promise<void>;
}

/**
 * ROLE=all as one process with two event loops: the main thread is a web replica (Slack, /healthz,
 * /metrics with the thread's counters summed in), a worker thread is a worker replica. A 50-node
 * scan then costs the Slack acks nothing. `onThreadDeath` fires if the thread dies unasked.
 */
export async function startAllInOne(o: {
  env: Env;
  inventory: Inventory;
  logger: Logger;
  clock?: Clock;
  onThreadDeath: () => void;
}): Promise<AllInOne> {
  const clock = o.clock ?? systemClock;
  const thread = spawnWorkerThread({ env: o.env });
  const send = (m: ToWorker) => thread.postMessage(m);
  const answers = new Map<number, (m: MetricsJson) => void>();
  let alive = true;
  let stopping = false;
  let seq = 0;
  const exited = new Promise<number>((resolve) => thread.once("exit", resolve));
  void exited.then((code) => {
    alive = false;
    if (!stopping) {
      o.logger.fatal({ code }, "the worker thread stopped unexpectedly");
      o.onThreadDeath();
    }
  });
  thread.on("error", (err) => o.logger.error({ err }, "worker thread error"));
  await new Promise<void>((resolve, reject) => {
    thread.on("message", (m: FromWorker) => {
      if (m.type === "ready") resolve();
      else if (m.type === "failed") reject(new Error(`the worker thread could not start: ${m.message}`));
      else if (m.type === "metrics") answers.get(m.id)?.(m.metrics);
    });
    void exited.then((code) => reject(new Error(`the worker thread exited during start-up (${code})`)));
  });

  const metrics = async (): Promise<MetricsJson[]> => {
    if (!alive) return [];
    const id = ++seq;
    const timer = new AbortController();
    const answer = new Promise<MetricsJson[]>((resolve) => answers.set(id, (m) => resolve([m])));
    send({ type: "metrics", id });
    const timeout = clock.sleep(2000, timer.signal).then(
      () => [],
      () => [],
    );
    const result = await Promise.race([answer, timeout]);
    timer.abort();
    answers.delete(id);
    return result;
  };
  const workers = () => (alive ? { ok: true } : { ok: false, error: "the worker thread is not running" });
  const web = await startBot({
    env: { ...o.env, ROLE: "web" },
    inventory: o.inventory,
    logger: o.logger,
    thread: { metrics, health: { workers } },
  }).catch(async (err: unknown) => {
    stopping = true;
    await thread.terminate();
    throw err;
  });

  return {
    port: web.port,
    async stop(graceMs) {
      stopping = true;
      await web.stop(graceMs);
      if (!alive) return;
      send({ type: "stop", graceMs });
      const timer = new AbortController();
      const late = clock.sleep(graceMs + 1000, timer.signal).then(
        () => "late" as const,
        () => "done" as const,
      );
      if ((await Promise.race([exited.then(() => "done" as const), late])) === "late")
        await thread.terminate();
      timer.abort();
    },
  };
}
