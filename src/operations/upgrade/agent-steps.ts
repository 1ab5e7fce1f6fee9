import { kubectl } from "../../rke2/commands.js";
import type { CommandResult } from "../../ssh/ssh-executor.js";
import type { CheckResult, StepContext, StepDef, StepOutcome } from "../engine/definition.js";
import { actFailure, actOnce, priorAct } from "../engine/step-act.js";
import { healthyServer } from "./api-server.js";
import { apiStatus, isError } from "./node-versions.js";
import { blockingBudgets, pdbAdvice } from "./pdb-blockers.js";

async function cordoned(ctx: StepContext): Promise<boolean | string> {
  const api = await apiStatus(ctx.remote, ctx.node);
  return isError(api) ? api.error : api.unschedulable;
}

const servers = (ctx: StepContext) => ctx.cluster.nodes.filter((n) => n.role === "server");

/**
 * A mutating kubectl, at most once per attempt, on a healthy server (the record is on that
 * server: check() probes every server for it). Never repeated on another server after a failure.
 */
async function kubectlOnce(
  ctx: StepContext,
  check: CheckResult,
  stepId: string,
  args: string[],
  timeoutMs?: number,
): Promise<{ line: string; res: CommandResult; server: string } | { error: string }> {
  const cmd = kubectl(...args);
  if (check.recorded) return { line: cmd.line, res: check.recorded.result, server: check.recorded.on };
  const server = await healthyServer(ctx.remote, ctx.cluster);
  if (!server)
    return { error: `no server of ${ctx.cluster.name} has /readyz ok to run \`kubectl ${args[0]}\` on` };
  const { res } = await actOnce(ctx, check, stepId, cmd, { on: server, timeoutMs });
  return { line: cmd.line, res, server: server.name };
}

/** `kubectl cordon|uncordon <node>` on a healthy server. */
async function setCordon(
  ctx: StepContext,
  check: CheckResult,
  verb: "cordon" | "uncordon",
): Promise<StepOutcome> {
  const run = await kubectlOnce(ctx, check, verb, [verb, ctx.node.name]);
  if ("error" in run) return { ok: false, failure: { message: run.error } };
  return run.res.code === 0
    ? { ok: true }
    : {
        ok: false,
        failure: actFailure(`${verb} of ${ctx.node.name} failed (on ${run.server})`, run.line, run.res),
      };
}

function cordonState(verb: "cordon" | "uncordon"): StepDef {
  const want = verb === "cordon";
  return {
    id: verb,
    title: `kubectl ${verb}`,
    retryFrom: "cordon",
    async check(ctx) {
      const prior = await priorAct(ctx, verb, { on: servers(ctx) });
      if (prior) return prior;
      const c = await cordoned(ctx);
      return { done: c === want, observed: { cordoned: c } };
    },
    act: (ctx, check) => setCordon(ctx, check, verb),
    async verify(ctx) {
      const c = await cordoned(ctx);
      return c === want
        ? { ok: true, summary: want ? "cordoned" : "uncordoned" }
        : {
            ok: false,
            failure: {
              message: `${ctx.node.name} is ${c === !want ? (want ? "still schedulable" : "still cordoned") : c} after kubectl ${verb}`,
            },
          };
    },
  };
}

export const cordonStep = cordonState("cordon");
export const uncordonStep = cordonState("uncordon");

/** `kubectl drain` prints the evicted pods but never the budget that blocks it: read the budgets. */
async function explainBlockedDrain(ctx: StepContext): Promise<string | undefined> {
  const pdbs = await ctx.remote.onAnyServer(kubectl("get", "pdb", "-A", "-o", "json"));
  const pods = await ctx.remote.onAnyServer(
    kubectl("get", "pods", "-A", "-o", "json", "--field-selector", `spec.nodeName=${ctx.node.name}`),
  );
  if (pdbs.code !== 0 || pods.code !== 0) return undefined;
  try {
    const budgets = blockingBudgets(pdbs.stdout, pods.stdout);
    return budgets.length > 0 ? pdbAdvice(ctx.node.name, budgets) : undefined;
  } catch {
    return undefined;
  }
}

const drainTimeoutMs = (ctx: StepContext) => (ctx.inventory.operations.drainTimeoutSeconds + 120) * 1000;

/**
 * Drain is idempotent (an already drained node drains at once), so check() skips it only when a
 * drain of this attempt already ran (or runs: then it waits). A node whose drain failed is never
 * installed: the failure halts the item before the install step.
 */
export const drainStep: StepDef = {
  id: "drain",
  title: "kubectl drain",
  disruptive: true,
  retryFrom: "cordon",
  check: async (ctx) =>
    (await priorAct(ctx, "drain", { on: servers(ctx), timeoutMs: drainTimeoutMs(ctx) })) ?? { done: false },
  async act(ctx, check) {
    const secs = ctx.inventory.operations.drainTimeoutSeconds;
    const args = [
      "drain",
      ctx.node.name,
      "--ignore-daemonsets",
      "--delete-emptydir-data",
      `--timeout=${secs}s`,
    ];
    const run = await kubectlOnce(ctx, check, "drain", args, drainTimeoutMs(ctx));
    if ("error" in run) return { ok: false, failure: { message: run.error } };
    if (run.res.code === 0) return { ok: true, facts: { drainedVia: run.server } };
    const failure = actFailure(`drain of ${ctx.node.name} failed (on ${run.server})`, run.line, run.res);
    const pdb = await explainBlockedDrain(ctx);
    if (pdb) return { ok: false, failure: { ...failure, message: pdb } };
    if (/disruption budget/i.test(run.res.stderr))
      failure.message +=
        ". A PodDisruptionBudget blocked it: check `kubectl get pdb -A`, raise `maxUnavailable` or scale the workload, or remove the budget for the maintenance window, then press *Retry step*";
    return { ok: false, failure };
  },
  async verify(ctx) {
    return { ok: true, summary: `drained (via ${String(ctx.facts.drainedVia ?? "a server")})` };
  },
};
