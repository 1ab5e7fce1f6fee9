import type { NodeSpec } from "../../config/inventory.js";
import { itemNode } from "./cluster-item.js";
import { stepOf, type PhaseDef, type StepContext, type StepDef, type StepFailure } from "./definition.js";
import type { PhaseResult, PhaseRunDeps } from "./phase-runner.js";
import {
  stepKey,
  type AuditEntry,
  type FailureInfo,
  type NodeLedger,
  type OpRecord,
  type PlannedItem,
  type PlannedPhase,
  type StepState,
} from "./records.js";
import { runStep, StepAborted, type NodeBook } from "./step-runner.js";

/** The application-check seam runs as a pseudo-step so a resumed worker does not repeat it. */
export const AFTER_NODE = "~after-node";

/** Everything one item (one node's steps in one phase) needs, built once by runItem. */
interface ItemRun {
  d: PhaseRunDeps;
  op: OpRecord;
  phase: PlannedPhase;
  def: PhaseDef;
  item: PlannedItem;
  node: NodeSpec;
  book: NodeBook;
  /** Nodes this phase works on right now (the health gate expects them disturbed). */
  busy: ReadonlySet<string>;
  base: Omit<StepContext, "facts" | "record" | "resumed">;
}

const nowIso = (r: ItemRun) => r.d.clock.now().toISOString();
const stateOf = (r: ItemRun, stepId: string): StepState =>
  r.book.ledger.steps[stepKey(r.phase.id, stepId)]?.state ?? "planned";
const stepNote = (r: ItemRun, text: string): AuditEntry => ({
  at: nowIso(r),
  kind: "step",
  node: r.item.node,
  text,
});

function failed(
  r: Pick<ItemRun, "d" | "op">,
  node: string,
  step: string,
  message: string,
  extra: Partial<FailureInfo> = {},
): PhaseResult {
  return {
    kind: "failed",
    failure: {
      phase: r.op.phase,
      node,
      step,
      message,
      recovery: [],
      at: r.d.clock.now().toISOString(),
      ...extra,
    },
  };
}

/**
 * One node's steps of one phase, in four stages: admission (retry reset, node-start gate), the
 * step loop, recovery when a step fails, and the post-node check. Each stage commits what it did
 * to the node's ledger before the next one starts, so a re-delivery resumes at the right stage.
 */
export async function runItem(
  d: PhaseRunDeps,
  op: OpRecord,
  def: PhaseDef,
  item: PlannedItem,
  nodes: Map<string, NodeLedger>,
  busy: ReadonlySet<string>,
): Promise<PhaseResult> {
  const phase = op.phases[op.phase]!;
  const node = itemNode(d.cluster, item.node);
  if (!node)
    return failed(
      { d, op },
      item.node,
      "plan",
      `node ${item.node} is no longer in the inventory of ${d.cluster.name}`,
    );
  const ledger: NodeLedger = nodes.get(item.node) ?? { node: item.node, steps: {}, facts: {} };
  nodes.set(item.node, ledger);
  const book: NodeBook = { ledger, commit: (audit: AuditEntry[] = []) => d.commitNode(ledger, audit) };
  const base = {
    op,
    phase,
    node,
    cluster: d.cluster,
    inventory: d.inventory,
    remote: d.remote,
    clock: d.clock,
    signal: d.signal,
    log: d.log.child({ node: node.name }),
    progress: d.progress,
  };
  const r: ItemRun = { d, op, phase, def, item, node, book, busy, base };
  if ([...item.steps, AFTER_NODE].every((s) => stateOf(r, s) === "done")) return { kind: "done" };
  return (await admit(r)) ?? (await runSteps(r)) ?? (await checkAfterNode(r)) ?? { kind: "done" };
}

/**
 * Admission. After a failure (Retry): reset the failed step and those back to its retryFrom to
 * planned, keeping their attempt counts so each one looks at the node before acting again. On a
 * fresh node: ask the node-start gate (maintenance window). Undefined = go ahead.
 */
async function admit(r: ItemRun): Promise<PhaseResult | undefined> {
  const { d, item, phase } = r;
  const failedAt = item.steps.findIndex((s) => stateOf(r, s) === "failed");
  if (failedAt >= 0) {
    const failedStep = item.steps[failedAt]!;
    const from = Math.max(0, item.steps.indexOf(stepOf(r.def, failedStep)?.retryFrom ?? failedStep));
    for (const s of item.steps.slice(from, failedAt + 1)) {
      const k = stepKey(phase.id, s);
      r.book.ledger.steps[k] = {
        state: "planned",
        at: nowIso(r),
        attempts: r.book.ledger.steps[k]?.attempts ?? 0,
      };
    }
    await r.book.commit([stepNote(r, `retrying from ${item.steps[from]}`)]);
    return undefined;
  }
  if (d.hooks.mayStartNode && [...item.steps, AFTER_NODE].every((s) => stateOf(r, s) === "planned")) {
    const gate = await d.hooks.mayStartNode({
      op: r.op,
      cluster: d.cluster,
      node: r.node,
      phaseId: phase.id,
      now: d.clock.now(),
    });
    if (!gate.ok) return { kind: "wait", until: gate.notBefore, reason: gate.reason };
  }
  return undefined;
}

/** The step loop: between two steps, stop on abort, cancel or drain; a failed step goes to recovery. */
async function runSteps(r: ItemRun): Promise<PhaseResult | undefined> {
  const { d, phase } = r;
  for (const id of r.item.steps) {
    if (stateOf(r, id) === "done") continue;
    // Lock lost or renewal stalled: start nothing more; the next delivery resumes from the ledger.
    if (d.signal.aborted) throw new StepAborted(stepKey(phase.id, id));
    if (await d.cancelRequested()) return { kind: "cancelled" };
    if (d.draining?.()) return { kind: "yield" };
    const step = stepOf(r.def, id);
    if (!step) return failed(r, r.item.node, id, `operation definition has no step ${id}`);
    const refused = step.disruptive ? await healthGate(r, id, step) : undefined;
    if (refused) return refused;
    const res = await runStep(d, r.base, step, r.book);
    if (!res.ok) return recover(r, id, res.failure);
  }
  return undefined;
}

/** Before a disruptive step: may the cluster lose this node now? A refusal fails the step untouched. */
async function healthGate(r: ItemRun, stepId: string, step: StepDef): Promise<PhaseResult | undefined> {
  const { d, phase, node } = r;
  if (!d.hooks.beforeDisruptive) return undefined;
  const k = stepKey(phase.id, stepId);
  const gate = await d.hooks
    .beforeDisruptive({
      op: r.op,
      cluster: d.cluster,
      node,
      phaseId: phase.id,
      remote: d.remote,
      busy: r.busy,
    })
    .catch((e: Error) => {
      if (d.signal.aborted) throw new StepAborted(k);
      return { ok: false as const, problems: [`cannot check the cluster's health: ${e.message}`] };
    });
  if (gate.ok) return undefined;
  const message = `not safe to ${step.title} on ${node.name} now: ${gate.problems.join("; ")}; nothing was done on ${node.name}`;
  r.book.ledger.steps[k] = {
    ...(r.book.ledger.steps[k] ?? { attempts: 0 }),
    state: "failed",
    at: nowIso(r),
    error: message,
  };
  await r.book.commit([stepNote(r, `health gate: ${message}`)]);
  return failed(r, r.item.node, stepId, message, {
    recovery: [`Bring the named nodes back to Ready (/readyz ok on every server), then Retry; or Abort.`],
  });
}

/** A step failed: let the definition leave the node serving, record what it did, report the failure. */
async function recover(r: ItemRun, stepId: string, failure: StepFailure): Promise<PhaseResult> {
  const { ledger } = r.book;
  const rctx: StepContext = {
    ...r.base,
    facts: ledger.facts,
    record: ledger.steps[stepKey(r.phase.id, stepId)]!,
    resumed: false,
  };
  const recovery = r.def.recover
    ? await r.def.recover(rctx, ledger).catch((e: Error) => [`recovery failed: ${e.message}`])
    : [];
  if (recovery.length) await r.book.commit(recovery.map((text) => stepNote(r, text)));
  const backup = ledger.facts.backupDir;
  return failed(r, r.item.node, stepId, failure.message, {
    ...failure,
    recovery,
    ...(typeof backup === "string" ? { backupDir: backup } : {}),
  });
}

/** The post-node check (application checks), recorded as the AFTER_NODE pseudo-step. */
async function checkAfterNode(r: ItemRun): Promise<PhaseResult | undefined> {
  const { d, phase, item } = r;
  if (stateOf(r, AFTER_NODE) === "done") return undefined;
  const k = stepKey(phase.id, AFTER_NODE);
  const check = d.hooks.afterNode
    ? await d.hooks.afterNode({
        op: r.op,
        cluster: d.cluster,
        node: r.node,
        phaseId: phase.id,
        disrupted: item.steps.some((s) => stepOf(r.def, s)?.disruptive === true),
      })
    : { ok: true as const };
  if (!check.ok) {
    r.book.ledger.steps[k] = { state: "failed", at: nowIso(r), attempts: 1, error: check.message };
    await r.book.commit([stepNote(r, `post-node check failed: ${check.message}`)]);
    return failed(r, item.node, AFTER_NODE, check.message);
  }
  r.book.ledger.steps[k] = { state: "done", at: nowIso(r), attempts: 1 };
  await r.book.commit();
  return undefined;
}
