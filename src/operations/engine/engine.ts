import { findCluster, type Inventory } from "../../config/inventory.js";
import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";
import type { SshExecutor } from "../../ssh/ssh-executor.js";
import type { OperationKind } from "../operations-api.js";
import type { ClusterSpec } from "../../config/inventory.js";
import type { OperationDefinition, PhaseDef } from "./definition.js";
import { runPhase } from "./phase-runner.js";
import {
  FencedError,
  type EngineHooks,
  type OperationLedger,
  type OperationNotifier,
  type OperationScheduler,
} from "./ports.js";
import { createProgressPump } from "./progress-pump.js";
import type { FailureInfo } from "./records.js";
import { createRemoteAccess } from "./remote-access.js";
import { createThreadProgress, type ProgressMessages } from "./thread-progress.js";
import { sshPoolSettings } from "../../config/ssh-pool-settings.js";
import { beginPhase, waitUntil } from "./state-machine.js";
import { auditNote, cancel, fail, finishPhase, update, type Segment } from "./segment-writes.js";

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
  /** Each phase's live progress message, across this worker's segments (default: per segment). */
  progressMessages: ProgressMessages;
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
  const op = await d.ledger.get(opId);
  if (!op) return { kind: "idle" };
  if (op.status !== "running") {
    // A re-delivery after a crash between "gate opened" and "message updated": make sure the
    // buttons (or the final state) are on the message. Idempotent.
    if (op.message) await d.notifier.updateMain(op, await d.ledger.nodes(opId));
    return { kind: "idle" };
  }
  const s: Segment = {
    d,
    epoch,
    op,
    nodes: await d.ledger.nodes(opId),
    log: d.logger.child({ op: op.id, cluster: op.cluster, epoch }),
  };
  const cluster = findCluster(d.inventory, op.cluster);
  const pump = createProgressPump(
    () => d.notifier.updateMain(s.op, s.nodes),
    s.log,
    d.clock,
    d.settings.progressIntervalMs,
  );
  const remote = cluster ? openRemote(s, cluster, signal) : undefined;
  try {
    if (op.cancelRequested) return await cancel(s);
    const def = d.definitions.get(op.kind);
    const phaseDef = def?.phases.find((p) => p.id === op.phases[op.phase]?.id);
    if (!def || !cluster || !remote || !phaseDef)
      return await fail(
        s,
        segmentFailure(
          s,
          "plan",
          !cluster ? `cluster ${op.cluster} is no longer in the inventory` : `unknown operation or phase`,
        ),
      );
    const lockProblem = await checkClusterLock(s);
    if (lockProblem) return await fail(s, lockProblem);
    return await runCurrentPhase(s, { def, phaseDef, cluster, remote, signal, pump });
  } catch (err) {
    if (err instanceof FencedError) {
      s.log.warn("fenced: a newer attempt owns this operation");
      return { kind: "fenced" };
    }
    throw err;
  } finally {
    await pump.drain();
    await remote?.close();
  }
}

interface PhaseRun {
  def: OperationDefinition;
  phaseDef: PhaseDef;
  cluster: ClusterSpec;
  remote: NonNullable<ReturnType<typeof openRemote>>;
  signal: AbortSignal;
  pump: ReturnType<typeof createProgressPump>;
}

/** Mark the phase started, run its items from the ledger's state, and turn the result into the next state. */
async function runCurrentPhase(s: Segment, p: PhaseRun): Promise<SegmentOutcome> {
  const { d } = s;
  const { phaseDef, pump } = p;
  const first = !s.op.phaseTimes[s.op.phase]?.startedAt;
  await update(
    s,
    (o) => beginPhase(o, d.clock.now()),
    first
      ? auditNote(s, "phase", `phase ${s.op.phase + 1} (${phaseDef.title}) started`, {
          action: "phase-start",
          phase: phaseDef.id,
        })
      : [],
  );
  pump.touch();
  const progress = createThreadProgress({
    notifier: d.notifier,
    op: () => s.op,
    phase: phaseDef,
    messages: d.progressMessages,
    clock: d.clock,
    log: s.log,
    minIntervalMs: d.settings.progressIntervalMs,
  });
  const res = await runPhase(
    {
      ...d.settings,
      epoch: s.epoch,
      hooks: d.hooks,
      clock: d.clock,
      log: s.log,
      inventory: d.inventory,
      cluster: p.cluster,
      remote: p.remote,
      signal: p.signal,
      draining: d.draining,
      // Every committed step also refreshes the operation message (coalesced, off the critical
      // path); its audit entries are tagged with the phase for the cluster audit stream.
      commitNode: async (node, audit) => {
        await d.ledger.commitNode(
          s.op.id,
          s.epoch,
          node,
          audit.map((e) => ({ phase: phaseDef.id, ...e })),
        );
        pump.touch();
      },
      cancelRequested: async () => Boolean((await d.ledger.get(s.op.id))?.cancelRequested),
      progress: (lines) => progress.report(lines),
    },
    s.op,
    phaseDef,
    s.nodes,
  ).finally(() => progress.drain());
  if (res.kind === "done") progress.forget();
  await pump.drain();
  switch (res.kind) {
    case "failed":
      return fail(s, res.failure);
    case "cancelled":
      return cancel(s);
    case "yield":
      return { kind: "yield" };
    case "wait": {
      const op = await update(
        s,
        (o) => waitUntil(o, res.until, res.reason),
        auditNote(s, "status", `waiting until ${res.until.toISOString()}: ${res.reason}`),
      );
      await d.notifier.updateMain(op, s.nodes);
      return { kind: "wait", until: res.until };
    }
    case "done":
      // A cancel that arrived during the last step still wins over opening the next gate.
      if ((await d.ledger.get(s.op.id))?.cancelRequested) return cancel(s);
      return finishPhase(s, p.def, phaseDef);
  }
}

/** One operation per cluster: never touch a node without holding the cluster's lock. */
async function checkClusterLock(s: Segment): Promise<FailureInfo | undefined> {
  const held = await s.d.ledger.ensureClusterLock(s.op.cluster, s.op.lock);
  if (held === "reclaimed") s.log.warn("the cluster lock was missing; taken again before acting");
  if (typeof held !== "object") return undefined;
  return segmentFailure(
    s,
    "lock",
    `the lock of cluster ${s.op.cluster} is held by ${held.holder}, not by ${s.op.id}; nothing was run`,
    [`Abort ${s.op.id}, or Retry once ${held.holder} has finished.`],
  );
}

/** A failure of the segment itself (not of a node's step). */
const segmentFailure = (s: Segment, step: string, message: string, recovery: string[] = []): FailureInfo => ({
  phase: s.op.phase,
  node: "-",
  step,
  message,
  recovery,
  at: s.d.clock.now().toISOString(),
});

function openRemote(s: Segment, cluster: ClusterSpec, signal: AbortSignal) {
  const { d } = s;
  return createRemoteAccess({
    executor: d.executor,
    cluster,
    clock: d.clock,
    log: s.log,
    signal,
    commandTimeoutMs: d.settings.commandTimeoutMs,
    concurrency: sshPoolSettings(d.inventory).maxConcurrency,
    policy: {
      renewalWindowDays: d.inventory.report.renewalWindowDays,
      alertDays: d.inventory.report.alertDays,
    },
  });
}
