import { kubectl } from "../../rke2/commands.js";
import type { StepContext, StepDef, StepOutcome } from "../engine/definition.js";
import { commandFailure } from "../rotation/remote-output.js";
import { kubectlOnHealthy } from "./api-server.js";
import { apiStatus, isError } from "./node-versions.js";
import { blockingBudgets, pdbAdvice } from "./pdb-blockers.js";

async function cordoned(ctx: StepContext): Promise<boolean | string> {
  const api = await apiStatus(ctx.remote, ctx.node);
  return isError(api) ? api.error : api.unschedulable;
}

/** `kubectl cordon|uncordon <node>` on a healthy server. */
async function setCordon(ctx: StepContext, verb: "cordon" | "uncordon"): Promise<StepOutcome> {
  const run = await kubectlOnHealthy(ctx.remote, ctx.cluster, [verb, ctx.node.name]);
  if ("error" in run) return { ok: false, failure: { message: run.error } };
  return run.res.code === 0
    ? { ok: true }
    : {
        ok: false,
        failure: commandFailure(
          `${verb} of ${ctx.node.name} failed (on ${run.server})`,
          run.cmd.line,
          run.res,
        ),
      };
}

function cordonState(verb: "cordon" | "uncordon"): StepDef {
  const want = verb === "cordon";
  return {
    id: verb,
    title: `kubectl ${verb}`,
    retryFrom: "cordon",
    async check(ctx) {
      const c = await cordoned(ctx);
      return { done: c === want, observed: { cordoned: c } };
    },
    act: (ctx) => setCordon(ctx, verb),
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

/**
 * Drain is idempotent (an already drained node drains at once), so check() never skips it. A node
 * whose drain failed is never installed: the failure halts the item before the install step.
 */
export const drainStep: StepDef = {
  id: "drain",
  title: "kubectl drain",
  disruptive: true,
  retryFrom: "cordon",
  check: async () => ({ done: false }),
  async act(ctx) {
    const secs = ctx.inventory.operations.drainTimeoutSeconds;
    const args = [
      "drain",
      ctx.node.name,
      "--ignore-daemonsets",
      "--delete-emptydir-data",
      `--timeout=${secs}s`,
    ];
    const run = await kubectlOnHealthy(ctx.remote, ctx.cluster, args, { timeoutMs: (secs + 120) * 1000 });
    if ("error" in run) return { ok: false, failure: { message: run.error } };
    if (run.res.code === 0) return { ok: true, facts: { drainedVia: run.server } };
    const failure = commandFailure(
      `drain of ${ctx.node.name} failed (on ${run.server})`,
      run.cmd.line,
      run.res,
    );
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
