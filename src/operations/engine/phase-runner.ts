import type { ClusterSpec, Inventory } from "../../config/inventory.js";
import type { PhaseContext, PhaseDef, RemoteAccess } from "./definition.js";
import { runItem } from "./item-runner.js";
import type { AuditEntry, FailureInfo, NodeLedger, OpRecord, PlannedItem } from "./records.js";
import type { StepRunDeps } from "./step-runner.js";

export type PhaseResult =
  | { kind: "done" }
  | { kind: "failed"; failure: FailureInfo }
  | { kind: "cancelled" }
  | { kind: "wait"; until: Date; reason: string }
  /** The worker is shutting down: stop at this step boundary; another delivery resumes. */
  | { kind: "yield" };

export interface PhaseRunDeps extends StepRunDeps {
  inventory: Inventory;
  cluster: ClusterSpec;
  remote: RemoteAccess;
  signal: AbortSignal;
  /** True once the worker drains for shutdown (SIGTERM): finish the running step, start no other. */
  draining?: () => boolean;
  /** Fenced write of one node's ledger (the engine tags the audit with the phase and refreshes the message). */
  commitNode(node: NodeLedger, audit: AuditEntry[]): Promise<void>;
  /** Re-read between steps: has someone asked to cancel the operation? */
  cancelRequested(): Promise<boolean>;
  /** StepContext.progress: the phase's live progress message. */
  progress(lines: string[]): void;
}

/**
 * Run one phase's items, at most `concurrency` at once, then its `final` items one by one. Once an
 * item fails, asks to wait, or sees a cancel, no new item starts; items already in flight finish
 * (never a half-left node).
 */
export async function runPhase(
  d: PhaseRunDeps,
  op: OpRecord,
  def: PhaseDef,
  nodes: Map<string, NodeLedger>,
): Promise<PhaseResult> {
  const planned = op.phases[op.phase];
  if (!planned) throw new Error(`${op.id}: no phase ${op.phase}`);
  const queue = planned.items.filter((i) => !i.final);
  let stop: PhaseResult | undefined;
  const rank = (r: PhaseResult) => ({ failed: 4, cancelled: 3, wait: 2, yield: 1, done: 0 })[r.kind];
  const settle = (r: PhaseResult) => {
    if (r.kind !== "done" && (!stop || rank(r) > rank(stop))) stop = r;
  };
  const stopped = (): PhaseResult | undefined => stop;
  // Nodes being worked on right now: the health gate expects them disturbed.
  const busy = new Set<string>();
  const run = async (item: PlannedItem) => {
    busy.add(item.node);
    try {
      return await runItem(d, op, def, item, nodes, busy);
    } finally {
      busy.delete(item.node);
    }
  };
  const lane = async () => {
    for (let item = queue.shift(); item && !stop; item = queue.shift()) settle(await run(item));
  };
  await Promise.all(Array.from({ length: Math.max(1, planned.concurrency) }, lane));
  for (const item of planned.items.filter((i) => i.final)) if (!stopped()) settle(await run(item));
  const res = stopped();
  if (res?.kind === "failed" && def.afterHalt) {
    const ctx: PhaseContext = {
      op,
      phase: planned,
      cluster: d.cluster,
      inventory: d.inventory,
      remote: d.remote,
      clock: d.clock,
      signal: d.signal,
      log: d.log,
    };
    const lines = await def
      .afterHalt(ctx)
      .catch((e: Error) => [`could not read the cluster after the halt: ${e.message}`]);
    return { ...res, failure: { ...res.failure, recovery: [...res.failure.recovery, ...lines] } };
  }
  return res ?? { kind: "done" };
}
