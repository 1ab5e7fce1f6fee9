import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";
import type { StepContext, StepDef, StepFailure, StepOutcome } from "./definition.js";
import { FencedError, type EngineHooks } from "./ports.js";
import { stepKey, type AuditEntry, type NodeLedger, type StepRecord } from "./records.js";
import { ConnectionLostError } from "./remote-access.js";
import { AppError } from "../../shared/app-error.js";

export interface StepRunDeps {
  /** Fencing epoch of this delivery, stamped on the intents it records. */
  epoch: number;
  hooks: EngineHooks;
  clock: Clock;
  log: Logger;
  /** How long a node may stay unreachable before the step fails (≥ 30 s in production). */
  sshRetryMs: number;
  sshBackoffMs: number;
  /**
   * A step left in intent by another delivery less than this long ago may still be acted on by a
   * worker that lost its lock but is alive (stalled event loop): wait until the intent is this old
   * before re-checking the node. After a real crash the re-delivery comes later than this anyway.
   */
  settleMs: number;
}

export type StepRunResult = { ok: true } | { ok: false; failure: StepFailure };

/** The node's ledger, shared by the steps of one item; every change is committed (fenced) at once. */
export interface NodeBook {
  ledger: NodeLedger;
  commit(audit?: AuditEntry[]): Promise<void>;
}

/** A definition function threw something that is neither a lost connection nor a lost fence. */
class StepCrash extends AppError<"step-crash"> {
  readonly code = "step-crash";
  constructor(message: string, cause: unknown) {
    super(message, { retryable: false, cause });
  }
}

/** The worker's AbortSignal fired (BullMQ lock lost): stop without judging the step. */
export class StepAborted extends AppError<"step-aborted"> {
  readonly code = "step-aborted";
  constructor(step: string) {
    // The next attempt (this or another worker) resumes from the ledger.
    super(`${step}: aborted by the worker`, { retryable: true });
  }
}

async function guard<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ConnectionLostError || err instanceof FencedError) throw err;
    throw new StepCrash(err instanceof Error ? err.message : String(err), err);
  }
}

const PLANNED: StepRecord = { state: "planned", at: "", attempts: 0 };

/**
 * check → act → verify for one step of one node. The intent is committed before acting, so after
 * a crash or a dropped connection the step is re-checked against the node (never blindly redone).
 */
export async function runStep(
  d: StepRunDeps,
  base: Omit<StepContext, "facts" | "record" | "resumed">,
  def: StepDef,
  book: NodeBook,
): Promise<StepRunResult> {
  const key = stepKey(base.phase.id, def.id);
  const point = (p: string) => d.hooks.probe?.(`${key}:${base.node.name}:${p}`);
  const rec = () => book.ledger.steps[key] ?? PLANNED;
  const ctx = (): StepContext => {
    const r = rec();
    return {
      ...base,
      facts: book.ledger.facts,
      record: r,
      resumed: r.state === "intent" || r.state === "unknown",
    };
  };
  const setStep = (patch: Partial<StepRecord>) => {
    book.ledger.steps[key] = { ...rec(), ...patch, at: d.clock.now().toISOString() };
  };
  const merge = (facts?: Record<string, unknown>) => {
    if (facts) book.ledger.facts = { ...book.ledger.facts, ...facts };
  };
  const audit = (text: string): AuditEntry[] => [
    { at: d.clock.now().toISOString(), kind: "step", node: base.node.name, text },
  ];
  const failed = async (o: Extract<StepOutcome, { ok: false }> | { failure: StepFailure }) => {
    // Aborted (lock lost, shutdown): the step did not fail, this worker stopped. Leave the ledger
    // as it is (intent/unknown) so the next delivery re-checks the node.
    if (base.signal.aborted) throw new StepAborted(key);
    setStep({ state: "failed", error: o.failure.message });
    await book.commit(audit(`${def.title} failed: ${o.failure.message}`));
    return { ok: false as const, failure: o.failure };
  };

  const prior = rec();
  if (
    (prior.state === "intent" || prior.state === "unknown") &&
    prior.epoch !== undefined &&
    prior.epoch !== d.epoch
  ) {
    const wait = Date.parse(prior.at) + d.settleMs - d.clock.now().getTime();
    if (wait > 0) await d.clock.sleep(wait, base.signal);
  }
  let lostSince: number | undefined;
  let backoff = d.sshBackoffMs;
  for (;;) {
    try {
      const chk = await guard(def.check(ctx()));
      merge(chk.facts);
      if (!chk.done) {
        setStep({ state: "intent", observed: chk.observed, attempts: rec().attempts + 1, epoch: d.epoch });
        await book.commit();
        await point("before-act");
        const act = await guard(def.act(ctx(), chk));
        await point("after-act");
        merge(act.facts);
        if (!act.ok) return await failed(act);
      }
      const v = await guard(def.verify(ctx(), chk));
      merge(v.facts);
      if (!v.ok) return await failed(v);
      const summary = [v.summary, ...(v.warnings ?? []).map((w) => `⚠ ${w}`)].filter(Boolean).join("; ");
      setStep({ state: "done", summary: summary || undefined, error: undefined });
      await book.commit(
        audit(`${def.title}: ${summary || "done"}${chk.done && !def.readOnly ? " (already done)" : ""}`),
      );
      await point("after-commit");
      return { ok: true };
    } catch (err) {
      if (base.signal.aborted) throw new StepAborted(key);
      if (err instanceof StepCrash) return await failed({ failure: { message: err.message } });
      if (!(err instanceof ConnectionLostError)) throw err;
      const now = d.clock.now().getTime();
      const firstLoss = lostSince === undefined;
      lostSince ??= now;
      if (now - lostSince >= d.sshRetryMs)
        return await failed({
          failure: {
            message: `${base.node.name} unreachable for ${Math.round((now - lostSince) / 1000)} s: ${err.message}`,
          },
        });
      if (rec().state === "intent") setStep({ state: "unknown" });
      if (firstLoss || rec().state === "unknown")
        await book.commit(
          firstLoss
            ? audit(
                `${def.title}: connection lost (${err.message}); reconnecting, will re-check before acting`,
              )
            : [],
        );
      d.log.warn({ node: base.node.name, step: key, err }, "connection lost; will reconnect and re-check");
      await d.clock.sleep(backoff, base.signal);
      backoff = Math.min(backoff * 2, 10_000);
    }
  }
}
