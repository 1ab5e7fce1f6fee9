// A worker replica in its own process, for crash tests: `npx tsx test/operations/worker-entry.ts`.
// Env: REDIS_URL, OPS_PREFIX, INVENTORY_PATH, CHAT_FILE, and optionally CRASH_AT (comma-separated
// engine probe points) with CRASH_MARK (a file): at the first probe point not yet in the mark
// file, the point is appended there and the process SIGKILLs itself — after the side effect of
// an act, before its checkpoint, exactly the window at-least-once delivery makes dangerous.
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { loadInventory } from "../../src/config/load-inventory.js";
import { createOperations } from "../../src/main/create-operations.js";
import { systemClock } from "../../src/shared/clock.js";
import { createLogger } from "../../src/shared/logger.js";
import { createSsh2Executor } from "../../src/ssh/ssh2-executor.js";
import { RecordingChat } from "./support/recording-chat.js";
import { FAST_QUEUE } from "./support/harness.js";

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`worker-entry: ${k} is required`);
  return v;
};

const crashAt = new Set((process.env.CRASH_AT ?? "").split(",").filter(Boolean));
const mark = process.env.CRASH_MARK;
const crashedAlready = (p: string) =>
  !!mark && existsSync(mark) && readFileSync(mark, "utf8").split("\n").includes(p);

const logger = createLogger(process.env.LOG_LEVEL ?? "silent");
const redis = new Redis(env("REDIS_URL"), { maxRetriesPerRequest: null });
const ops = createOperations({
  inventory: loadInventory(env("INVENTORY_PATH")),
  redis,
  executor: createSsh2Executor({ logger, clock: systemClock }),
  chat: new RecordingChat(env("CHAT_FILE")),
  clock: systemClock,
  logger,
  prefix: env("OPS_PREFIX"),
  queueOptions: FAST_QUEUE,
  hooks: {
    probe(point) {
      if (!crashAt.has(point) || crashedAlready(point)) return;
      if (mark) appendFileSync(mark, `${point}\n`);
      process.kill(process.pid, "SIGKILL");
    },
  },
});

await ops.startWorkers();
process.stdout.write("ready\n");
process.on("SIGTERM", () => {
  void ops.close().finally(() => {
    redis.disconnect();
    process.exit(0);
  });
});
