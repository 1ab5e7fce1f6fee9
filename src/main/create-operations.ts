import { builtInDefinitions, checkRegistry } from "../operations/registry.js";
import type { Redis } from "ioredis";
import type { GroupDirectory } from "../access/group-directory.js";
import type { Inventory } from "../config/inventory.js";
import {
  createOperationsCore,
  type EngineHooks,
  type OperationDefinition,
  type Operations,
  type OperationsSettings,
} from "../operations/index.js";
import { readAudit } from "../queue/audit-stream.js";
import { redisProgressMessages } from "../queue/progress-messages.js";
import { createRedisLedger } from "../queue/operation-ledger.js";
import { createOperationQueue, type OperationQueueOptions } from "../queue/operation-queue.js";
import type { ChatPort } from "../shared/chat-port.js";
import type { Clock } from "../shared/clock.js";
import type { Logger } from "../shared/logger.js";
import { createChatNotifier } from "../slack/chat-notifier.js";
import type { SshExecutor } from "../ssh/ssh-executor.js";

export type { Operations } from "../operations/index.js";

export interface OperationsQueueOptions extends OperationQueueOptions, Omit<OperationsSettings, "settleMs"> {}

export interface OperationsDeps {
  inventory: Inventory;
  redis: Redis;
  executor: SshExecutor;
  chat: ChatPort;
  clock: Clock;
  logger: Logger;
  /** Key prefix for the ledger and BullMQ (tests use one per test). Default "rke2-chatops". */
  prefix?: string;
  queueOptions?: OperationsQueueOptions;
  /** Maintenance windows, application checks, test probes. */
  hooks?: EngineHooks;
  /** Slack user groups named in approvers/requesters/readers; default: none resolvable (groups grant nothing). */
  groups?: GroupDirectory;
  /** Operation definitions; default: rotation, upgrade and renewal by restart. */
  definitions?: OperationDefinition[];
}

/** Composition: the Redis ledger, the BullMQ transport and the Slack notifier, handed to the core as ports. */
export function createOperations(deps: OperationsDeps): Operations {
  // Before any connection or queue exists: a broken registry (duplicate kind, prefix, step) never starts.
  const definitions = checkRegistry(deps.definitions ?? builtInDefinitions);
  const prefix = deps.prefix ?? "rke2-chatops";
  const q = deps.queueOptions ?? {};
  const log = deps.logger.child({ component: "operations" });
  const ledger = createRedisLedger(deps.redis, {
    prefix,
    auditRetentionMs: deps.inventory.audit.retentionDays * 86_400_000,
    now: () => deps.clock.now(),
    onNoDurableWait: (why) =>
      log.warn({ why }, "Redis cannot wait for intents to reach its AOF (needs 7.2+ with appendonly yes)"),
  });
  return createOperationsCore({
    inventory: deps.inventory,
    executor: deps.executor,
    clock: deps.clock,
    logger: log,
    ledger,
    runner: createOperationQueue(deps.redis, prefix, deps.clock, log, q),
    readAudit: (target) => readAudit(deps.redis, prefix, deps.inventory, target),
    progressMessages: redisProgressMessages(deps.redis, prefix),
    createNotifier: (titleOf) => createChatNotifier(deps.chat, titleOf, log),
    definitions,
    settings: { ...q, settleMs: q.lockDuration ?? 30_000 },
    ...(deps.hooks ? { hooks: deps.hooks } : {}),
    ...(deps.groups ? { groups: deps.groups } : {}),
  });
}
