import { createAccess } from "../access/access-check.js";
import { cacheGroups, noGroups, type GroupDirectory } from "../access/group-directory.js";
import type { Inventory } from "../config/inventory.js";
import type { Clock } from "../shared/clock.js";
import type { Logger } from "../shared/logger.js";
import type { SshExecutor } from "../ssh/ssh-executor.js";
import { summarizeAudit, toJsonLines } from "./audit/audit-record.js";
import { disruptionGate } from "./common/disruption-gate.js";
import { isEmergency } from "./common/emergency.js";
import { runSegment, type EngineDeps } from "./engine/engine.js";
import type { EngineHooks, OperationLedger, OperationNotifier } from "./engine/ports.js";
import type { OpRecord } from "./engine/records.js";
import type { OperationKind, OperationsApi } from "./operations-api.js";
import type { CheckedRegistry } from "./registry.js";
import { expireOperation } from "./service/decide-operation.js";
import { createOperationsService } from "./service/operations-service.js";
import { randomOpId, randomToken, type ServiceDeps } from "./service/service-deps.js";
import { mayRead } from "./service/read-access.js";
import type { AuditReader, OperationRunner } from "./runner-ports.js";
import { sweepOperations, type PreflightSuspects } from "./service/sweep-operations.js";
import { memoryProgressMessages, type ProgressMessages } from "./engine/thread-progress.js";

export type { OperationDefinition } from "./engine/definition.js";
export type { CheckedRegistry } from "./registry.js";
export type { EngineHooks, NodeStartDecision } from "./engine/ports.js";
export type { OperationsApi, Outcome } from "./operations-api.js";
export type { AuditReader, OperationHandlers, OperationRunner } from "./runner-ports.js";

/** Engine timings; main/ maps its queue options onto these. */
export interface OperationsSettings {
  /** A node may stay unreachable this long mid-step (reconnecting with backoff) before the step fails. Default 60. */
  sshRetrySeconds?: number;
  sshBackoffMs?: number;
  /** Longest single remote command (a `systemctl start` of rke2-server can take minutes). Default 900. */
  commandTimeoutSeconds?: number;
  /** Least time between two progress updates of the operation message (Slack rate limits). Default 1000. */
  progressIntervalMs?: number;
  /** The cluster lock expires after this if a process dies during a preflight. Default 600. */
  preflightLockTtlSeconds?: number;
  /** How long a step waits for a lost delivery to settle (the job lock duration). Default 30000. */
  settleMs?: number;
}

/** The core takes its adapters as ports; main/create-operations.ts builds them over Redis, BullMQ and Slack. */
export interface OperationsCoreDeps {
  inventory: Inventory;
  executor: SshExecutor;
  clock: Clock;
  logger: Logger;
  ledger: OperationLedger;
  runner: OperationRunner;
  readAudit: AuditReader;
  /** Where each phase's progress message is; default: this process only. */
  progressMessages?: ProgressMessages;
  /** Builds the notifier once the core knows each operation's title. */
  createNotifier(titleOf: (op: OpRecord) => string): OperationNotifier;
  settings?: OperationsSettings;
  /** Maintenance windows, application checks, test probes. */
  hooks?: EngineHooks;
  /** Slack user groups named in approvers/requesters/readers; default: none resolvable (groups grant nothing). */
  groups?: GroupDirectory;
  /** The operation definitions, checked by the composition before it opens any connection. */
  definitions: CheckedRegistry;
}

export type Operations = OperationsApi & { startWorkers(): Promise<void>; close(): Promise<void> };

/** Web replicas use the API only; worker replicas also call startWorkers(). */
export function createOperationsCore(deps: OperationsCoreDeps): Operations {
  const q = deps.settings ?? {};
  const definitions = deps.definitions;
  const log = deps.logger;
  const { ledger, runner: queue } = deps;
  const notifier = deps.createNotifier((op) => definitions.get(op.kind)?.title ?? op.kind);
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
    newOpId: (kind: OperationKind) => {
      const def = definitions.get(kind);
      if (!def) throw new Error(`no registered operation "${kind}"`);
      return randomOpId(def.idPrefix);
    },
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
    progressMessages: deps.progressMessages ?? memoryProgressMessages(),
    settings: {
      sshRetryMs: (q.sshRetrySeconds ?? 60) * 1000,
      sshBackoffMs: q.sshBackoffMs ?? 1000,
      commandTimeoutMs,
      progressIntervalMs: q.progressIntervalMs ?? 1000,
      settleMs: q.settleMs ?? 30_000,
    },
  };
  const read: OperationsApi["mayRead"] = (scope, by) => mayRead(deps.inventory, access, scope, by);
  return {
    ...createOperationsService(service),
    mayRead: read,
    async audit(target, by) {
      const found = await deps.readAudit(target);
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
      const suspects: PreflightSuspects = new Map();
      await queue.startWorker({
        async run(opId, signal) {
          const out = await runSegment(engine, opId, signal);
          if (out.kind === "wait") return out.until;
          if (out.kind === "yield") return new Date(deps.clock.now().getTime() + 1000);
          return undefined;
        },
        expire: (opId, token) => expireOperation(service, opId, token),
        sweep: () =>
          sweepOperations(service, (id, seq, v) => queue.scheduler.ensureRun(id, seq, v), suspects),
      });
    },
    async close() {
      // Running segments stop at their next step boundary and are re-delivered to another worker.
      draining = true;
      await queue.close();
    },
  };
}
