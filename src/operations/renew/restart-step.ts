import { systemctl, type Service } from "../../rke2/commands.js";
import type { StepDef } from "../engine/definition.js";
import { actFailure, actOnce, priorAct } from "../engine/step-act.js";
import { compareNow } from "../rotation/leaf-steps.js";
import { serviceState } from "../rotation/server-steps.js";
import { judgeRestartRenewal } from "./renew-verify.js";

/**
 * `systemctl restart <svc>`, at most once per attempt. After a crash or on Retry the files say
 * whether the restart already renewed the leaves; then it is not repeated.
 */
export function restartStep(svc: Service): StepDef {
  return {
    id: "restart",
    title: `restart ${svc}`,
    disruptive: true,
    retryFrom: "restart",
    async check(ctx) {
      const prior = await priorAct(ctx, "restart");
      if (prior) return prior;
      if (!ctx.resumed && ctx.record.attempts === 0) return { done: false };
      const renewed = judgeRestartRenewal(ctx, await compareNow(ctx)).ok;
      return { done: renewed, observed: { renewed } };
    },
    async act(ctx, check) {
      const cmd = systemctl("restart", svc);
      const { res } = await actOnce(ctx, check, "restart", cmd);
      return res.code === 0
        ? { ok: true, facts: { restarted: true } }
        : { ok: false, failure: actFailure("restart failed", cmd.line, res) };
    },
    async verify(ctx) {
      const state = await serviceState(ctx, svc);
      return state === "active"
        ? { ok: true, summary: ctx.facts.restarted ? "restarted" : "already renewed, not restarted again" }
        : { ok: false, failure: { message: `${svc} on ${ctx.node.name} is ${state} after the restart` } };
    },
  };
}
