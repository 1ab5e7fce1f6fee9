import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Redis } from "ioredis";
import { parse, stringify } from "yaml";
import { parseInventory } from "../../../../src/config/load-inventory.js";
import type { OperationsQueueOptions } from "../../../../src/operations/index.js";
import { createOperations } from "../../../../src/operations/index.js";
import type { EngineHooks } from "../../../../src/operations/engine/ports.js";
import { createRedisLedger } from "../../../../src/queue/operation-ledger.js";
import { systemClock } from "../../../../src/shared/clock.js";
import { silentLogger } from "../../../../src/shared/logger.js";
import { createSsh2Executor } from "../../../../src/ssh/ssh2-executor.js";
import { mutateState } from "../../../rig/fixtures/lib/state.mjs";
import type { SimCluster } from "../../../rig/sim-cluster.js";
import { APPROVERS, FAST_QUEUE, testInventoryYaml, type Harness } from "../../support/harness.js";
import { buttonsOf, RecordingChat } from "../../support/recording-chat.js";

export const FROM = "v1.33.5+rke2r1";
export const TO = "v1.34.8+rke2r1";

export interface UpgradeInventoryOptions {
  channelUrl: string;
  operations?: Record<string, number>;
}

/** The rotation tests' inventory (fast timings, two approvers) plus the local channel server. */
export function upgradeInventoryYaml(sim: SimCluster, o: UpgradeInventoryOptions): string {
  const doc = parse(
    testInventoryYaml(sim, { operations: { drainTimeoutSeconds: 10, ...o.operations } }),
  ) as Record<string, Record<string, unknown>>;
  doc.upgrade = { ...doc.upgrade, channelUrl: o.channelUrl };
  return stringify(doc);
}

/** Like support/harness.ts createHarness, with the upgrade inventory (that one has no channelUrl option). */
export async function createUpgradeHarness(
  sim: SimCluster,
  redisUrl: string,
  o: UpgradeInventoryOptions & {
    queueOptions?: OperationsQueueOptions;
    hooks?: EngineHooks;
    workers?: boolean;
    chatFile?: string;
    prefix?: string;
  },
): Promise<Harness> {
  const prefix = o.prefix ?? `u-${randomBytes(4).toString("hex")}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const inventory = parseInventory(upgradeInventoryYaml(sim, o), join(sim.dir, "rke2-chatops.yaml"));
  const chat = new RecordingChat(o.chatFile);
  const ops = createOperations({
    inventory,
    redis,
    chat,
    clock: systemClock,
    logger: silentLogger,
    prefix,
    hooks: o.hooks,
    executor: createSsh2Executor({ logger: silentLogger, clock: systemClock }),
    queueOptions: { ...FAST_QUEUE, ...o.queueOptions },
  });
  if (o.workers !== false) await ops.startWorkers();
  const ledger = createRedisLedger(redis, { prefix });
  const op = async (id: string) => {
    const r = await ledger.get(id);
    if (!r) throw new Error(`no op ${id}`);
    return r;
  };
  return {
    ops,
    ledger,
    redis,
    chat,
    prefix,
    inventory,
    op,
    async waitFor(id, pred, timeoutMs = 90_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const cur = await op(id);
        if (pred(cur)) return cur;
        if (Date.now() > end)
          throw new Error(
            `timed out waiting on ${id}: status ${cur.status}, phase ${cur.phase}, failure ${JSON.stringify(cur.failure)}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async click(id, action, by = APPROVERS[0]!) {
      const end = Date.now() + 15_000;
      for (;;) {
        const cur = await op(id);
        const btn = cur.message && buttonsOf(chat.latest(cur.message.ts)).get(action);
        if (btn && btn.token === cur.gate?.token)
          return ops.decide(btn.op, action, btn.token, { userId: by });
        if (Date.now() > end)
          throw new Error(`no ${action} button for the open gate of ${id} (status ${cur.status})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await ops.close();
      await redis.quit();
    },
  };
}

/** Put every node back on `version` (installed and running, uncordoned) from the host side, without fixture calls. */
export function resetCluster(sim: SimCluster, version = FROM): void {
  mutateState(join(sim.dir, "cluster"), (s) => {
    for (const n of Object.values(s.nodes))
      Object.assign(n, {
        installedVersion: version,
        runningVersion: version,
        cordoned: false,
        service: "active",
        knobs: {},
      });
  });
}

export const sixNodes = () => [
  ...["cp-1", "cp-2", "cp-3"].map((name) => ({ name, role: "server" as const, version: FROM })),
  ...["agent-1", "agent-2", "agent-3"].map((name) => ({ name, role: "agent" as const, version: FROM })),
];
export const SERVERS = ["cp-1", "cp-2", "cp-3"];
export const AGENTS = ["agent-1", "agent-2", "agent-3"];
