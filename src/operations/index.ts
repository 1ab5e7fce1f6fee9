import type { Redis } from "ioredis";
import { createAccess } from "../access/access-check.js";
import { cacheGroups, noGroups, type GroupDirectory } from "../access/group-directory.js";
import type { Inventory } from "../config/inventory.js";
import type { ChatPort } from "../shared/chat-port.js";
import type { Clock } from "../shared/clock.js";
import type { Logger } from "../shared/logger.js";
import type { SshExecutor } from "../ssh/ssh-executor.js";
import { readAudit } from "../queue/audit-stream.js";
import { createRedisLedger } from "../queue/operation-ledger.js";
import { summarizeAudit, toJsonLines } from "./audit/audit-record.js";
import { createOperationQueue, type OperationQueueOptions } from "../queue/operation-queue.js";
import { createChatNotifier } from "../slack/chat-notifier.js";
import { disruptionGate } from "./common/disruption-gate.js";
import { isEmergency } from "./common/emergency.js";
import type { OperationDefinition } from "./engine/definition.js";
import { runSegment, type EngineDeps } from "./engine/engine.js";
import type { EngineHooks } from "./engine/ports.js";
import type { OperationKind, OperationsApi } from "./operations-api.js";
import { renewDefinition } from "./renew/renew-definition.js";
import { rotationDefinition } from "./rotation/rotation-definition.js";
import { upgradeDefinition } from "./upgrade/upgrade-definition.js";
import { expireOperation } from "./service/decide-operation.js";
import { createOperationsService } from "./service/operations-service.js";
import { randomOpId, randomToken, type ServiceDeps } from "./service/service-deps.js";
import { mayRead } from "./service/read-access.js";
import { sweepOperations } from "./service/sweep-operations.js";

export type { OperationDefinition } from "./engine/definition.js";
export type { EngineHooks, NodeStartDecision } from "./engine/ports.js";
export type { OperationsApi, Outcome } from "./operations-api.js";

export interface OperationsQueueOptions extends OperationQueueOptions {
  /** A node may stay unreachable this long mid-step (reconnecting with backoff) before the step fails. Default 60. */
  sshRetrySeconds?: number;
  sshBackoffMs?: number;
  /** Longest single remote command (a `systemctl start` of rke2-server can take minutes). Default 900. */
  commandTimeoutSeconds?: number;
  /** Least time between two progress updates of the operation message (Slack rate limits). Default 1000. */
  progressIntervalMs?: number;
  /** The cluster lock expires after this if a process dies during a preflight. Default 600. */
  preflightLockTtlSeconds?: number;
}

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

export type Operations = OperationsApi & { startWorkers(): Promise<void>; close(): Promise<void> };

/** Web replicas use the API only; worker replicas also call startWorkers(). */
export function createOperations(deps: OperationsDeps): Operations {
  const prefix = deps.prefix ?? "rke2-chatops";
  const q = deps.queueOptions ?? {};
  const definitions = new Map<OperationKind, OperationDefinition>(
    (deps.definitions ?? [rotationDefinition, upgradeDefinition, renewDefinition]).map((d) => [d.kind, d]),
  );
  const log = deps.logger.child({ component: "operations" });
  const ledger = createRedisLedger(deps.redis, {
    prefix,
    auditRetentionMs: deps.inventory.audit.retentionDays * 86_400_000,
    now: () => deps.clock.now(),
    onNoDurableWait: (why) =>
      log.warn({ why }, "Redis cannot wait for intents to reach its AOF (needs 7.2+ with appendonly yes)"),
  });
  const queue = createOperationQueue(deps.redis, prefix, deps.clock, log, q);
  const notifier = createChatNotifier(deps.chat, (op) => definitions.get(op.kind)?.title ?? op.kind, log);
  const access = createAccess(deps.inventory, cacheGroups(deps.groups ?? noGroups, deps.clock));
  const commandTimeoutMs = (q.commandTimeoutSeconds ?? 900) * 1000;
  // What the API side and the engine share.
  const core = {
    inventory: deps.inventory,
    definitions,
    ledger,
    scheduler: queue.scheduler,
    notifier,
    executor: deps.executor,
    clock: deps.clock,
    logger: log,
    newToken: randomToken,
  };
  const service: ServiceDeps = {
    ...core,
    access,
    preflightLockTtlMs: (q.preflightLockTtlSeconds ?? 600) * 1000,
    commandTimeoutMs,
    newOpId: (kind) => randomOpId(definitions.get(kind)?.idPrefix ?? kind.slice(0, 3)),
  };
  let draining = false;
  const engine: EngineDeps = {
    ...core,
    // The health gate before every stop/restart/drain is on unless a caller replaces it.
    hooks: {
      beforeDisruptive: ({ op, remote, cluster, node, busy }) =>
        disruptionGate({ remote, cluster, node, skip: busy, emergency: isEmergency(op.params) }),
      ...deps.hooks,
    },
    draining: () => draining,
    settings: {
      sshRetryMs: (q.sshRetrySeconds ?? 60) * 1000,
      sshBackoffMs: q.sshBackoffMs ?? 1000,
      commandTimeoutMs,
      progressIntervalMs: q.progressIntervalMs ?? 1000,
      settleMs: q.lockDuration ?? 30_000,
    },
  };
  const read: OperationsApi["mayRead"] = (scope, by) => mayRead(deps.inventory, access, scope, by);
  return {
    ...createOperationsService(service),
    mayRead: read,
    async audit(target, by) {
      const found = await readAudit(deps.redis, prefix, deps.inventory, target);
      if (!found) return { ok: false, message: `No cluster or operation \`${target}\` with audit records.` };
      const allowed = await read({ cluster: found.cluster }, by);
      if (!allowed.ok) return allowed;
      return {
        ok: true,
        cluster: found.cluster,
        filename: `rke2-audit-${target}.jsonl`,
        jsonl: toJsonLines(found.records),
        message: summarizeAudit(target, found.records),
      };
    },
    async startWorkers() {
      await queue.startWorker({
        async run(opId, signal) {
          const out = await runSegment(engine, opId, signal);
          if (out.kind === "wait") return out.until;
          if (out.kind === "yield") return new Date(deps.clock.now().getTime() + 1000);
          return undefined;
        },
        expire: (opId, token) => expireOperation(service, opId, token),
        sweep: () => sweepOperations(service, (id, seq, v) => queue.scheduler.ensureRun(id, seq, v)),
      });
    },
    async close() {
      // Running segments stop at their next step boundary and are re-delivered to another worker.
      draining = true;
      await queue.close();
    },
  };
}
