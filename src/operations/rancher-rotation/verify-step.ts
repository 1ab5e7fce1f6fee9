import { pollForReadiness } from "../common/poll.js";
import { readOnlyStep, type StepOutcome } from "../engine/definition.js";
import { compareNow, judgeRenewal } from "../rotation/leaf-steps.js";
import { servicesOf } from "./rancher-steps.js";

/**
 * Over SSH, after Rancher reports the rotation done: every leaf recorded before is renewed (the
 * SSH rotation's rule, rotation/renewal.ts). Agents re-enrol after the servers, so poll. A rotation
 * limited to some services (services= or rancher.rotateServices) renews only their leaves: then at least one.
 */
export const verifyRenewedStep = readOnlyStep({
  id: "verify-renewed",
  title: "verify certificates renewed",
  async verify(ctx) {
    const limited = servicesOf(ctx.op, ctx.cluster);
    let last: StepOutcome = { ok: false, failure: { message: "not checked yet" } };
    await pollForReadiness(ctx, async () => {
      const cmp = await compareNow(ctx);
      last = judgeRenewal(ctx, cmp);
      if (!last.ok && limited) {
        const renewed = cmp.filter((c) => c.verdict === "renewed").length;
        if (renewed > 0)
          last = {
            ok: true,
            summary: `${renewed} of ${cmp.length} leaves renewed (rotation limited to ${limited.join(", ")})`,
          };
      }
      return { ok: last.ok, why: last.ok ? "renewed" : last.failure.message };
    });
    return last;
  },
});
