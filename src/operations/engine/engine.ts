import { findCluster, type Inventory } from "../../config/inventory.js";
import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";
import type { SshExecutor } from "../../ssh/ssh-executor.js";
import type { OperationKind } from "../operations-api.js";
import { policyOf } from "../../access/cluster-policy.js";
import type { OperationDefinition } from "./definition.js";
import { runPhase } from "./phase-runner.js";
import {
  FencedError,
  type EngineHooks,
  type OperationLedger,
  type OperationNotifier,
  type OperationScheduler,
} from "./ports.js";
import { createProgressPump } from "./progress-pump.js";
import { isTerminal, type AuditEntry, type FailureInfo, type OpRecord } from "./records.js";
import { createRemoteAccess } from "./remote-access.js";
import { sshPoolSettings } from "../../config/ssh-pool-settings.js";
import { beginPhase, cancelNow, completePhase, halt, waitUntil } from "./state-machine.js";

export interface EngineSettings {
  /** A node may stay unreachable this long mid-step before the step fails. */
  sshRetryMs: number;
  sshBackoffMs: number;
  commandTimeoutMs: number;
  /** Least time between two progress updates of the operation message. */
  progressIntervalMs: number;
  /** See StepRunDeps.settleMs: the BullMQ lock duration. */
  settleMs: number;
}

export interface EngineDeps {
  inventory: Inventory;
  definitions: ReadonlyMap<OperationKind, OperationDefinition>;
  ledger: OperationLedger;
  scheduler: OperationScheduler;
  notifier: OperationNotifier;
  executor: SshExecutor;
  clock: Clock;
  logger: Logger;
  hooks: EngineHooks;
  settings: EngineSettings;
  newToken(): string;
  draining?: () => boolean;
}

export type SegmentOutcome =
  | { kind: "idle" | "fenced" | "gate" | "halted" | "completed" | "cancelled" | "yield" }
  | { kind: "wait"; until: Date };

/**
 * One delivery of "run operation X" (BullMQ may deliver it more than once): take a new fencing
 * epoch, read the ledger, run the current phase from wherever the ledger says, then open the next
 * gate, halt, or finish. A stale delivery (status not running) does nothing.
 */
export async function runSegment(d: EngineDeps, opId: string, signal: AbortSignal): Promise<SegmentOutcome> {
  const epoch = await d.ledger.beginAttempt(opId);
  let op = await d.ledger.get(opId);
  if (!op) return { kind: "idle" };
  if (op.status !== "running") {
    // A re-delivery after a crash between "gate opened" and "message updated": make sure the
    // buttons (or the final state) are on the message. Idempotent.
    if (op.message) await d.notifier.updateMain(op, await d.ledger.nodes(opId));
    return { kind: "idle" };
  }
  const def = d.definitions.get(op.kind);
  const cluster = findCluster(d.inventory, op.cluster);
  const log = d.logger.child({ op: op.id, cluster: op.cluster, epoch });
  const now = () => d.clock.now();
  const note = (kind: AuditEntry["kind"], text: string, extra: Partial<AuditEntry> = {}): AuditEntry[] => [
    { at: now().toISOString(), kind, text, ...extra },
  ];
  const nodes = await d.ledger.nodes(opId);

  /** Fenced read-modify-write of the record; a concurrent decision (cancel) just means re-read and re-apply. */
  const update = async (fn: (o: OpRecord) => OpRecord, audit: AuditEntry[] = []): Promise<OpRecord> => {
    for (let cur = op!; ;) {
      const next = fn(cur);
      if (await d.ledger.commitOp(epoch, cur, next, audit, isTerminal(next.status) ? "release" : undefined))
        return (op = { ...next, version: cur.version + 1 });
      const fresh = await d.ledger.get(opId);
      if (!fresh || fresh.status !== "running") throw new FencedError(opId);
      cur = fresh;
    }
  };
  const pump = createProgressPump(
    () => d.notifier.updateMain(op!, nodes),
    log,
    d.clock,
    d.settings.progressIntervalMs,
  );
  const remote = cluster
    ? createRemoteAccess({
        executor: d.executor,
        cluster,
        clock: d.clock,
        log,
        signal,
        commandTimeoutMs: d.settings.commandTimeoutMs,
        concurrency: sshPoolSettings(d.inventory).maxConcurrency,
        policy: {
          renewalWindowDays: d.inventory.report.renewalWindowDays,
          alertDays: d.inventory.report.alertDays,
        },
      })
    : undefined;
  try {
    if (op.cancelRequested) return await cancel();
    const phaseDef = def?.phases.find((p) => p.id === op!.phases[op!.phase]?.id);
    if (!def || !cluster || !remote || !phaseDef) {
      const why = !cluster
        ? `cluster ${op.cluster} is no longer in the inventory`
        : `unknown operation or phase`;
      return await fail({
        phase: op.phase,
        node: "-",
        step: "plan",
        message: why,
        recovery: [],
        at: now().toISOString(),
      });
    }
    // One operation per cluster: never touch a node without holding the cluster's lock.
    const held = await d.ledger.ensureClusterLock(op.cluster, op.lock);
    if (typeof held === "object")
      return await fail({
        phase: op.phase,
        node: "-",
        step: "lock",
        message: `the lock of cluster ${op.cluster} is held by ${held.holder}, not by ${op.id}; nothing was run`,
        recovery: [`Abort ${op.id}, or Retry once ${held.holder} has finished.`],
        at: now().toISOString(),
      });
    if (held === "reclaimed") log.warn("the cluster lock was missing; taken again before acting");
    const first = !op.phaseTimes[op.phase]?.startedAt;
    op = await update(
      (o) => beginPhase(o, now()),
      first
        ? note("phase", `phase ${op.phase + 1} (${phaseDef.title}) started`, {
            action: "phase-start",
            phase: phaseDef.id,
          })
        : [],
    );
    pump.touch();
    // Every committed step also refreshes the operation message (coalesced, off the critical path);
    // its audit entries are tagged with the phase for the cluster audit stream.
    const ledger: OperationLedger = Object.create(d.ledger, {
      commitNode: {
        value: async (...[id, ep, node, audit]: Parameters<OperationLedger["commitNode"]>) => (
          await d.ledger.commitNode(
            id,
            ep,
            node,
            audit.map((e) => ({ phase: phaseDef.id, ...e })),
          ),
          pump.touch()
        ),
      },
    });
    const res = await runPhase(
      {
        ...d.settings,
        ledger,
        epoch,
        hooks: d.hooks,
        clock: d.clock,
        log,
        inventory: d.inventory,
        cluster,
        remote,
        signal,
        draining: d.draining,
      },
      op,
      phaseDef,
      nodes,
    );
    await pump.drain();
    if (res.kind === "failed") return await fail(res.failure);
    if (res.kind === "cancelled") return await cancel();
    if (res.kind === "yield") return { kind: "yield" };
    if (res.kind === "wait") {
      op = await update(
        (o) => waitUntil(o, res.until, res.reason),
        note("status", `waiting until ${res.until.toISOString()}: ${res.reason}`),
      );
      await d.notifier.updateMain(op, nodes);
      return { kind: "wait", until: res.until };
    }
    const fresh = await d.ledger.get(opId);
    if (fresh?.cancelRequested) return await cancel();
    const token = d.newToken();
    op = await update(
      (o) => completePhase(o, now(), token, policyOf(d.inventory, o.cluster)),
      note("phase", `phase ${op.phase + 1} (${phaseDef.title}) done`, {
        action: "phase-end",
        phase: phaseDef.id,
        outcome: "done",
      }),
    );
    await d.hooks.probe?.(`${phaseDef.id}:phase-done`);
    if (op.status === "completed") {
      const c = def.completion(op, nodes);
      await d.notifier.thread(op, { kind: "completion", op, ...c });
      await d.notifier.updateMain(op, nodes);
      return { kind: "completed" };
    }
    await d.notifier.thread(op, {
      kind: "phase-report",
      phaseTitle: phaseDef.title,
      lines: phaseDef.report(op, nodes),
    });
    await d.scheduler.scheduleExpiry(op.id, token, new Date(Date.parse(op.gate!.expiresAt)));
    // Buttons last: a click can only arrive once everything this segment says has been said.
    await d.notifier.updateMain(op, nodes);
    return { kind: "gate" };
  } catch (err) {
    if (err instanceof FencedError) {
      log.warn("fenced: a newer attempt owns this operation");
      return { kind: "fenced" };
    }
    throw err;
  } finally {
    await pump.drain();
    await remote?.close();
  }

  async function cancel(): Promise<SegmentOutcome> {
    op = await update((o) => cancelNow(o, now()), note("status", "cancelled before the next step"));
    await d.notifier.thread(op, {
      kind: "text",
      text: `${op.id} cancelled before its next step (requested by <@${op.cancelRequested?.by ?? "?"}>).`,
    });
    await d.notifier.updateMain(op, nodes);
    return { kind: "cancelled" };
  }

  async function fail(failure: FailureInfo): Promise<SegmentOutcome> {
    const token = d.newToken();
    op = await update(
      (o) => halt(o, failure, now(), token, policyOf(d.inventory, o.cluster)),
      [
        {
          at: now().toISOString(),
          kind: "failure",
          action: "step-failed",
          phase: op?.phases[failure.phase]?.id ?? String(failure.phase),
          outcome: failure.message,
          node: failure.node,
          text: `${failure.step} failed: ${failure.message}`,
        },
      ],
    );
    await d.notifier.thread(op, { kind: "failure", op });
    await d.scheduler.scheduleExpiry(op.id, token, new Date(Date.parse(op.gate!.expiresAt)));
    await d.notifier.updateMain(op, nodes);
    return { kind: "halted" };
  }
}
