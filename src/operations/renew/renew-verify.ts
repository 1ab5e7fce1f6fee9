import { readOnlyStep, type StepContext, type StepOutcome } from "../engine/definition.js";
import { compareNow, policyOf } from "../rotation/leaf-steps.js";
import { earliest, verdictReason, type LeafComparison, type RenewalPolicy } from "../rotation/renewal.js";

/** Fact names of the renewal steps and reports (the "before" record is the rotation's F.before). */
export const R = { after: "renewAfter", renewed: "renewedLeaves", keptKeys: "renewKeptKeys" } as const;

const DAY_MS = 86_400_000;
const insideWindow = (c: LeafComparison, p: RenewalPolicy) =>
  Date.parse(c.before.notAfter) <= p.now.getTime() + p.renewalWindowDays * DAY_MS;
const keyChanged = (c: LeafComparison) =>
  !!c.before.publicKeySha256 && c.after?.publicKeySha256 !== c.before.publicKeySha256;

/**
 * A restart renews what was inside the window and keeps the keys. Every leaf that was inside the
 * window must be renewed (renewal rule: new serial, valid now, beyond the window); every leaf
 * that changed must pass the same rule and keep its public key; the others may stay as they are.
 */
export function judgeRestartRenewal(ctx: StepContext, cmp: LeafComparison[]): StepOutcome {
  const p = policyOf(ctx);
  const problems: string[] = [];
  for (const c of cmp) {
    const due = insideWindow(c, p);
    if (c.verdict === "unchanged" && !due) continue;
    if (c.verdict !== "renewed") problems.push(`${c.before.path} (${verdictReason(c, p)})`);
    else if (keyChanged(c)) problems.push(`${c.before.path} (renewed with a new key: a restart keeps keys)`);
  }
  const due = cmp.filter((c) => insideWindow(c, p)).length;
  if (problems.length > 0)
    return {
      ok: false,
      failure: {
        message: `${problems.length} leaf certificate(s) on ${ctx.node.name} not renewed as a restart renews them: ${problems.join(", ")}`,
      },
    };
  const renewed = cmp.filter((c) => c.verdict === "renewed");
  const after = cmp.map((c) => c.after ?? c.before);
  return {
    ok: true,
    facts: {
      [R.after]: after,
      [R.renewed]: renewed.map((c) => c.before.path),
      [R.keptKeys]: renewed.every((c) => !!c.before.publicKeySha256),
    },
    summary: `${renewed.length} leaves renewed (${due} were inside the window), same keys; earliest expiry now ${earliest(after)?.notAfter ?? "?"}`,
  };
}

export const verifyRenewedStep = readOnlyStep({
  id: "verify-renewed",
  title: "verify renewed certificates",
  retryFrom: "restart",
  verify: async (ctx) => judgeRestartRenewal(ctx, await compareNow(ctx)),
});
