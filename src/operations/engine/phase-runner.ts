import type { ClusterSpec, Inventory } from "../../config/inventory.js";
import {
  stepOf,
  type PhaseContext,
  type PhaseDef,
  type RemoteAccess,
  type StepContext,
} from "./definition.js";
import {
  stepKey,
  type AuditEntry,
  type FailureInfo,
  type NodeLedger,
  type OpRecord,
  type PlannedItem,
} from "./records.js";
import { runStep, StepAborted, type NodeBook, type StepRunDeps } from "./step-runner.js";

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
}

/** The application-check seam runs as a pseudo-step so a resumed worker does not repeat it. */
export const AFTER_NODE = "~after-node";

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

async function runItem(
  d: PhaseRunDeps,
  op: OpRecord,
  def: PhaseDef,
  item: PlannedItem,
  nodes: Map<string, NodeLedger>,
  busy: ReadonlySet<string>,
): Promise<PhaseResult> {
  const phase = op.phases[op.phase]!;
  const now = () => d.clock.now();
  const fail = (step: string, message: string, extra: Partial<FailureInfo> = {}): PhaseResult => ({
    kind: "failed",
    failure: {
      phase: op.phase,
      node: item.node,
      step,
      message,
      recovery: [],
      at: now().toISOString(),
      ...extra,
    },
  });
  const node = d.cluster.nodes.find((n) => n.name === item.node);
  if (!node) return fail("plan", `node ${item.node} is no longer in the inventory of ${d.cluster.name}`);
  const ledger: NodeLedger = nodes.get(item.node) ?? { node: item.node, steps: {}, facts: {} };
  nodes.set(item.node, ledger);
  const book: NodeBook = {
    ledger,
    commit: (audit: AuditEntry[] = []) => d.ledger.commitNode(op.id, d.epoch, ledger, audit),
  };
  const state = (s: string) => ledger.steps[stepKey(phase.id, s)]?.state ?? "planned";
  const allSteps = [...item.steps, AFTER_NODE];
  if (allSteps.every((s) => state(s) === "done")) return { kind: "done" };

  // Retry: start again from the failed step's retryFrom (check() of each step looks before acting).
  const failedAt = item.steps.findIndex((s) => state(s) === "failed");
  if (failedAt >= 0) {
    const from = Math.max(
      0,
      item.steps.indexOf(stepOf(def, item.steps[failedAt]!)?.retryFrom ?? item.steps[failedAt]!),
    );
    // Attempts are kept: a step that ran before must look at the node before acting again.
    for (const s of item.steps.slice(from, failedAt + 1)) {
      const k = stepKey(phase.id, s);
      ledger.steps[k] = {
        state: "planned",
        at: now().toISOString(),
        attempts: ledger.steps[k]?.attempts ?? 0,
      };
    }
    await book.commit([
      { at: now().toISOString(), kind: "step", node: item.node, text: `retrying from ${item.steps[from]}` },
    ]);
  } else if (allSteps.every((s) => state(s) === "planned") && d.hooks.mayStartNode) {
    const gate = await d.hooks.mayStartNode({ op, cluster: d.cluster, node, phaseId: phase.id, now: now() });
    if (!gate.ok) return { kind: "wait", until: gate.notBefore, reason: gate.reason };
  }

  const base: Omit<StepContext, "facts" | "record" | "resumed"> = {
    op,
    phase,
    node,
    cluster: d.cluster,
    inventory: d.inventory,
    remote: d.remote,
    clock: d.clock,
    signal: d.signal,
    log: d.log.child({ node: node.name }),
  };
  for (const id of item.steps) {
    if (state(id) === "done") continue;
    // Lock lost or renewal stalled: start nothing more; the next delivery resumes from the ledger.
    if (d.signal.aborted) throw new StepAborted(stepKey(phase.id, id));
    if ((await d.ledger.get(op.id))?.cancelRequested) return { kind: "cancelled" };
    if (d.draining?.()) return { kind: "yield" };
    const step = stepOf(def, id);
    if (!step) return fail(id, `operation definition has no step ${id}`);
    if (step.disruptive && d.hooks.beforeDisruptive) {
      const gate = await d.hooks
        .beforeDisruptive({ op, cluster: d.cluster, node, phaseId: phase.id, remote: d.remote, busy })
        .catch((e: Error) => {
          if (d.signal.aborted) throw new StepAborted(stepKey(phase.id, id));
          return { ok: false as const, problems: [`cannot check the cluster's health: ${e.message}`] };
        });
      if (!gate.ok) {
        const message = `not safe to ${step.title} on ${node.name} now: ${gate.problems.join("; ")}; nothing was done on ${node.name}`;
        const k = stepKey(phase.id, id);
        ledger.steps[k] = {
          ...(ledger.steps[k] ?? { attempts: 0 }),
          state: "failed",
          at: now().toISOString(),
          error: message,
        };
        await book.commit([
          { at: now().toISOString(), kind: "step", node: item.node, text: `health gate: ${message}` },
        ]);
        return fail(id, message, {
          recovery: [
            `Bring the named nodes back to Ready (/readyz ok on every server), then Retry; or Abort.`,
          ],
        });
      }
    }
    const res = await runStep(d, base, step, book);
    if (!res.ok) {
      const rctx: StepContext = {
        ...base,
        facts: ledger.facts,
        record: ledger.steps[stepKey(phase.id, id)]!,
        resumed: false,
      };
      const recovery = def.recover
        ? await def.recover(rctx, ledger).catch((e: Error) => [`recovery failed: ${e.message}`])
        : [];
      if (recovery.length)
        await book.commit(
          recovery.map((text) => ({ at: now().toISOString(), kind: "step" as const, node: item.node, text })),
        );
      const backup = ledger.facts.backupDir;
      return fail(id, res.failure.message, {
        ...res.failure,
        recovery,
        ...(typeof backup === "string" ? { backupDir: backup } : {}),
      });
    }
  }
  if (state(AFTER_NODE) !== "done") {
    const check = d.hooks.afterNode
      ? await d.hooks.afterNode({
          op,
          cluster: d.cluster,
          node,
          phaseId: phase.id,
          disrupted: item.steps.some((s) => stepOf(def, s)?.disruptive === true),
        })
      : { ok: true as const };
    if (!check.ok) {
      ledger.steps[stepKey(phase.id, AFTER_NODE)] = {
        state: "failed",
        at: now().toISOString(),
        attempts: 1,
        error: check.message,
      };
      await book.commit([
        {
          at: now().toISOString(),
          kind: "step",
          node: item.node,
          text: `post-node check failed: ${check.message}`,
        },
      ]);
      return fail(AFTER_NODE, check.message);
    }
    ledger.steps[stepKey(phase.id, AFTER_NODE)] = { state: "done", at: now().toISOString(), attempts: 1 };
    await book.commit();
  }
  return { kind: "done" };
}
