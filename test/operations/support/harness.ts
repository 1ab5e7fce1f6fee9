import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { parse, stringify } from "yaml";
import type { GroupDirectory } from "../../../src/access/group-directory.js";
import { parseInventory } from "../../../src/config/load-inventory.js";
import type { Inventory } from "../../../src/config/inventory.js";
import type { OpRecord } from "../../../src/operations/engine/records.js";
import type { EngineHooks, OperationLedger } from "../../../src/operations/engine/ports.js";
import {
  createOperations,
  type Operations,
  type OperationsQueueOptions,
} from "../../../src/main/create-operations.js";
import { createRedisLedger } from "../../../src/queue/operation-ledger.js";
import { systemClock, type Clock } from "../../../src/shared/clock.js";
import { silentLogger } from "../../../src/shared/logger.js";
import { executorLimits } from "../../../src/config/ssh-pool-settings.js";
import {
  createSsh2Executor,
  type Ssh2Executor,
  type Ssh2ExecutorOptions,
} from "../../../src/ssh/ssh2-executor.js";
import type { SimCluster } from "../../rig/sim-cluster.js";
import { buttonsOf, RecordingChat, textOf } from "./recording-chat.js";

export const APPROVERS = ["UAPPROVER1", "UAPPROVER2"];
export const REQUESTER = "UREQUESTER";

/** Short time settings: tests run every step, just faster (never skip steps). */
export const FAST_OPERATIONS = {
  agentRenewalGraceSeconds: 1,
  nodeReadyTimeoutSeconds: 20,
  pollIntervalSeconds: 0.2,
};
export const FAST_QUEUE: OperationsQueueOptions = {
  lockDuration: 2000,
  stalledInterval: 1000,
  sweepIntervalMs: 1000,
  sshRetrySeconds: 30,
  sshBackoffMs: 200,
};

export interface InventoryOptions {
  operations?: Record<string, number>;
  approvals?: {
    requireDistinctApprover?: boolean;
    expireAfterMinutes?: number;
    approvers?: string[];
    requesters?: string[];
    approvalsRequired?: Record<string, number>;
  };
  /** Extra keys of the cluster entry (maintenanceWindows, appChecks). */
  cluster?: Record<string, unknown>;
}

export function testInventoryYaml(sim: SimCluster, o: InventoryOptions = {}): string {
  const doc = parse(
    sim.inventoryYaml({ approvers: APPROVERS, operations: { ...FAST_OPERATIONS, ...o.operations } }),
  ) as Record<string, unknown>;
  doc.approvals = {
    approvers: APPROVERS,
    requireDistinctApprover: true,
    expireAfterMinutes: 30,
    ...o.approvals,
  };
  const clusters = doc.clusters as Array<Record<string, unknown>>;
  if (o.cluster) clusters[0] = { ...clusters[0], ...o.cluster };
  return stringify(doc);
}

export const testInventory = (sim: SimCluster, o: InventoryOptions = {}): Inventory =>
  parseInventory(testInventoryYaml(sim, o), `${sim.dir}/rke2-chatops.yaml`);

export interface Harness {
  ops: Operations;
  ledger: OperationLedger;
  redis: Redis;
  chat: RecordingChat;
  prefix: string;
  inventory: Inventory;
  executor: Ssh2Executor;
  op(id: string): Promise<OpRecord>;
  waitFor(id: string, pred: (op: OpRecord) => boolean, timeoutMs?: number): Promise<OpRecord>;
  /** Click the button `action` of the operation message as `by` (token read from the rendered button). */
  click(
    id: string,
    action: "approve" | "reject" | "retry" | "abort",
    by?: string,
  ): ReturnType<Operations["decide"]>;
  /**
   * The thread of `ts` once a reply containing `text` is in it: the ledger says "completed" a moment
   * before the completion note is posted (the record first, then the messages).
   */
  threadWith(ts: string, text: string, timeoutMs?: number): Promise<ReturnType<RecordingChat["thread"]>>;
  close(): Promise<void>;
}

export async function createHarness(
  sim: SimCluster,
  redisUrl: string,
  o: InventoryOptions & {
    /** A ready inventory instead of the one built from InventoryOptions (e.g. the upgrade tests' channel server). */
    inventory?: Inventory;
    queueOptions?: OperationsQueueOptions;
    hooks?: EngineHooks;
    groups?: GroupDirectory;
    clock?: Clock;
    workers?: boolean;
    chatFile?: string;
    prefix?: string;
    executorOptions?: Ssh2ExecutorOptions;
  } = {},
): Promise<Harness> {
  const prefix = o.prefix ?? `t-${randomBytes(4).toString("hex")}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  redis.on("error", () => undefined); // reconnects by itself (Redis restart test)
  const inventory = o.inventory ?? testInventory(sim, o);
  const chat = new RecordingChat(o.chatFile);
  const clock = o.clock ?? systemClock;
  // As the bot builds it: the inventory's ssh limits, warm connections closed with the harness.
  const executor = createSsh2Executor({
    logger: silentLogger,
    clock,
    ...executorLimits(inventory),
    ...o.executorOptions,
  });
  const ops = createOperations({
    inventory,
    redis,
    chat,
    clock,
    logger: silentLogger,
    prefix,
    hooks: o.hooks,
    ...(o.groups ? { groups: o.groups } : {}),
    executor,
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
    executor,
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
      // The ledger moves before the message is updated: wait, as a human would, for the button.
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
    async threadWith(ts, text, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const thread = chat.thread(ts);
        if (thread.some((m) => textOf(m).includes(text))) return thread;
        if (Date.now() > end) throw new Error(`no reply containing ${JSON.stringify(text)} in thread ${ts}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await ops.close();
      await executor.close();
      await redis.quit();
    },
  };
}

/** Waiting for an approval gate of phase `phase` (0-based). */
export const atGate = (phase: number) => (op: OpRecord) =>
  op.status === "awaiting-approval" && op.phase === phase;
export const finished = (op: OpRecord) => !!op.finishedAt;
