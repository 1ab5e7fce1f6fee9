import { systemctl } from "../../rke2/commands.js";
import { probeNode } from "../common/cluster-health.js";
import { pollForReadiness, pollUntil } from "../common/poll.js";
import { readOnlyStep, type StepContext, type StepDef } from "../engine/definition.js";
import { actFailure, actOnce, priorAct } from "../engine/step-act.js";
import { compareNow, judgeRenewal } from "./leaf-steps.js";
import { serviceState } from "./server-steps.js";

const allRenewed = async (ctx: StepContext) => (await compareNow(ctx)).every((c) => c.verdict === "renewed");

/**
 * Agents re-enrol when rke2-agent (re)starts. The grace period runs from the end of the server
 * roll (recorded in the ledger), so a late approval of this phase does not add a second wait.
 */
export function graceDeadline(ctx: StepContext): number {
  const rollDone =
    ctx.op.phaseTimes[ctx.op.phase - 1]?.completedAt ?? ctx.op.phaseTimes[ctx.op.phase]?.startedAt;
  const from = rollDone ? Date.parse(rollDone) : ctx.clock.now().getTime();
  return from + ctx.inventory.operations.agentRenewalGraceSeconds * 1000;
}

export const awaitRenewalStep = readOnlyStep({
  id: "await-renewal",
  title: "wait for re-enrolment",
  async verify(ctx) {
    const timeoutMs = Math.max(0, graceDeadline(ctx) - ctx.clock.now().getTime());
    const intervalMs = ctx.inventory.operations.pollIntervalSeconds * 1000;
    const r = await pollUntil(ctx.clock, { timeoutMs, intervalMs, signal: ctx.signal }, async () => {
      const ok = await allRenewed(ctx);
      return { ok, why: ok ? "re-enrolled by itself" : "not re-enrolled yet" };
    });
    return {
      ok: true,
      facts: { reenrolledAlone: r.ok },
      summary: r.ok ? r.why : `not re-enrolled within the grace period; restarting rke2-agent`,
    };
  },
});

/** Restart only agents whose certificates are still the old ones; checking first makes a resumed restart a no-op. */
export const restartAgentStep: StepDef = {
  id: "restart",
  title: "restart rke2-agent",
  disruptive: true,
  retryFrom: "restart",
  async check(ctx) {
    const prior = await priorAct(ctx, "restart");
    if (prior) return prior;
    // await-renewal has just looked; read again only when this step ran before (crash, Retry).
    if (!ctx.resumed && ctx.record.attempts === 0 && typeof ctx.facts.reenrolledAlone === "boolean")
      return { done: ctx.facts.reenrolledAlone, observed: { renewed: ctx.facts.reenrolledAlone } };
    const done = await allRenewed(ctx);
    return { done, observed: { renewed: done } };
  },
  async act(ctx, check) {
    const cmd = systemctl("restart", "rke2-agent");
    const { res } = await actOnce(ctx, check, "restart", cmd);
    return res.code === 0
      ? { ok: true, facts: { restarted: true } }
      : { ok: false, failure: actFailure("restart failed", cmd.line, res) };
  },
  async verify(ctx) {
    const state = await serviceState(ctx, "rke2-agent");
    return state === "active"
      ? { ok: true, summary: ctx.facts.restarted ? "restarted" : "not needed" }
      : { ok: false, failure: { message: `rke2-agent is ${state}` } };
  },
};

export const verifyAgentStep = readOnlyStep({
  id: "verify",
  title: "verify agent",
  retryFrom: "restart",
  async verify(ctx) {
    const o = ctx.inventory.operations;
    const r = await pollForReadiness(ctx, () => probeNode(ctx.remote, ctx.node));
    if (!r.ok)
      return {
        ok: false,
        failure: { message: `${ctx.node.name} not Ready within ${o.nodeReadyTimeoutSeconds} s: ${r.why}` },
      };
    return judgeRenewal(ctx, await compareNow(ctx));
  },
});
