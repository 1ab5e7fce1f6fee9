import type { StepContext, StepDef, StepOutcome } from "../engine/definition.js";
import {
  compareLeaves,
  earliest,
  leafFacts,
  shortLived,
  type LeafComparison,
  type LeafFact,
} from "./renewal.js";

/** Fact names shared by the rotation steps and reports. */
export const F = {
  before: "leavesBefore",
  after: "leavesAfter",
  backupDir: "backupDir",
} as const;

export const beforeOf = (facts: Readonly<Record<string, unknown>>): LeafFact[] | undefined =>
  facts[F.before] as LeafFact[] | undefined;

export async function currentLeaves(ctx: StepContext): Promise<LeafFact[]> {
  return leafFacts(await ctx.remote.readCerts(ctx.node));
}

export async function compareNow(ctx: StepContext): Promise<LeafComparison[]> {
  const before = beforeOf(ctx.facts);
  if (!before)
    throw new Error(`no "before" certificate record for ${ctx.node.name}: record-before did not run`);
  return compareLeaves(before, await currentLeaves(ctx));
}

/**
 * Serial, fingerprint and not-after of every leaf, read once before the node is touched. Never
 * re-read on resume: after a rotation the files would already be new and the comparison useless.
 */
export const recordBeforeStep: StepDef = {
  id: "record-before",
  title: "record certificates",
  async check(ctx) {
    return { done: Array.isArray(beforeOf(ctx.facts)) };
  },
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

/** Every leaf renewed (issue 7 rule); unchanged or missing leaves fail, naming the files. */
export function judgeRenewal(ctx: StepContext, cmp: LeafComparison[]): StepOutcome {
  const bad = cmp.filter((c) => c.verdict !== "renewed");
  if (bad.length > 0) {
    const names = bad.map((c) => `${c.before.path} (${c.verdict})`);
    return {
      ok: false,
      failure: {
        message: `${bad.length} of ${cmp.length} leaf certificates not renewed on ${ctx.node.name}: ${names.join(", ")}`,
      },
    };
  }
  const window = ctx.inventory.report.renewalWindowDays;
  const warnings = shortLived(cmp, ctx.clock.now(), window).map(
    (c) =>
      `${c.before.path} renewed but expires ${c.after!.notAfter}, within the ${window}-day renewal window`,
  );
  const after = cmp.map((c) => c.after!);
  return {
    ok: true,
    facts: { [F.after]: after },
    summary: `${cmp.length} leaves renewed, earliest new expiry ${earliest(after)?.notAfter}`,
    warnings,
  };
}
