import type { StepContext, StepDef, StepOutcome } from "../engine/definition.js";
import {
  compareLeaves,
  earliest,
  leafFacts,
  verdictReason,
  type LeafComparison,
  type LeafFact,
  type RenewalPolicy,
} from "./renewal.js";

/** Fact names shared by the rotation steps and reports. */
export const F = {
  before: "leavesBefore",
  after: "leavesAfter",
  backupDir: "backupDir",
  /** When and with which window the "after" leaves were judged renewed (for the completion table). */
  judged: "renewalJudged",
} as const;

export interface JudgedRecord {
  at: string;
  renewalWindowDays: number;
}

export const beforeOf = (facts: Readonly<Record<string, unknown>>): LeafFact[] | undefined =>
  facts[F.before] as LeafFact[] | undefined;

export async function currentLeaves(ctx: StepContext): Promise<LeafFact[]> {
  return leafFacts(await ctx.remote.readCerts(ctx.node));
}

export const policyOf = (ctx: StepContext): RenewalPolicy => ({
  now: ctx.clock.now(),
  renewalWindowDays: ctx.inventory.report.renewalWindowDays,
});

export async function compareNow(ctx: StepContext): Promise<LeafComparison[]> {
  const before = beforeOf(ctx.facts);
  if (!before)
    throw new Error(`no "before" certificate record for ${ctx.node.name}: record-before did not run`);
  const after = await currentLeaves(ctx);
  return compareLeaves(before, after, policyOf(ctx));
}

/** A "before" record is taken once: on resume its presence is the step's state, never a re-read. */
export const recordedOnce: StepDef["check"] = async (ctx) => ({ done: Array.isArray(beforeOf(ctx.facts)) });

/**
 * Serial, fingerprint, not-before and not-after of every leaf, read once before the node is touched. Never
 * re-read on resume: after a rotation the files would already be new and the comparison useless.
 */
export const recordBeforeStep: StepDef = {
  id: "record-before",
  title: "record certificates",
  check: recordedOnce,
  async act(ctx) {
    const leaves = await currentLeaves(ctx);
    if (leaves.length === 0)
      return { ok: false, failure: { message: `no readable leaf certificates on ${ctx.node.name}` } };
    return { ok: true, facts: { [F.before]: leaves } };
  },
  async verify(ctx) {
    const before = beforeOf(ctx.facts) ?? [];
    return {
      ok: true,
      summary: `${before.length} leaves, earliest expiry ${earliest(before)?.notAfter ?? "?"}`,
    };
  },
};

/**
 * Every leaf renewed (issue 14 rule: new serial, valid now, expiry beyond the renewal window);
 * otherwise fail, naming each file and what is wrong with it.
 */
export function judgeRenewal(ctx: StepContext, cmp: LeafComparison[]): StepOutcome {
  const p = policyOf(ctx);
  const bad = cmp.filter((c) => c.verdict !== "renewed");
  if (bad.length > 0) {
    const names = bad.map((c) => `${c.before.path} (${verdictReason(c, p)})`);
    const hint = bad.some((c) => c.verdict === "inside-window")
      ? "; RKE2 would renew them again at the next start: check CATTLE_NEW_SIGNED_CERT_EXPIRATION_DAYS (the lifetime of new certificates) on the node"
      : "";
    return {
      ok: false,
      failure: {
        message: `${bad.length} of ${cmp.length} leaf certificates not renewed on ${ctx.node.name}: ${names.join(", ")}${hint}`,
      },
    };
  }
  const after = cmp.map((c) => c.after!);
  const judged: JudgedRecord = { at: p.now.toISOString(), renewalWindowDays: p.renewalWindowDays };
  return {
    ok: true,
    facts: { [F.after]: after, [F.judged]: judged },
    summary: `${cmp.length} leaves renewed, earliest new expiry ${earliest(after)?.notAfter}`,
  };
}
