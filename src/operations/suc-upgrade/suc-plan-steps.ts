import { stringify } from "yaml";
import { sucPlans } from "../../rke2/suc-plans.js";
import { readNodeStatuses } from "../common/cluster-health.js";
import { pollUntil } from "../common/poll.js";
import type { StepContext, StepDef, StepOutcome } from "../engine/definition.js";
import {
  applyStdin,
  deleteJobs,
  getItems,
  jobLog,
  kubectlChange,
  planName,
  type PlanRole,
} from "./suc-kubectl.js";
import { sucParams } from "./suc-params.js";
import { sucProgressLines } from "./suc-progress.js";
import {
  adviceFor,
  classifyFailure,
  failedCondition,
  jobName,
  jobNode,
  jobsOf,
  nodeProgress,
  type JobJson,
  type PlanJson,
} from "./suc-status.js";

/** The plan as applied: the guide's, pinned with `version:` to the resolved target, agents drained. */
export function planYaml(ctx: Pick<StepContext, "op" | "inventory">, role: PlanRole): string {
  const o = ctx.inventory.operations;
  const plans = sucPlans(sucParams(ctx.op).target, {
    agentConcurrency: o.agentConcurrency,
    drain: { timeoutSeconds: o.drainTimeoutSeconds },
  });
  return stringify(plans[role]);
}

async function readPlan(ctx: StepContext, role: PlanRole): Promise<PlanJson | undefined | { error: string }> {
  const plans = await getItems<PlanJson>(ctx.remote, ctx.cluster, "plans");
  if (!Array.isArray(plans)) return plans;
  return plans.find((p) => p.metadata?.name === planName(role));
}
const isErr = (v: unknown): v is { error: string } => typeof v === "object" && v !== null && "error" in v;

/** Apply one plan unless it is already there pinned to the target (apply is idempotent; the check saves a write). */
export function applyPlanStep(role: PlanRole): StepDef {
  const name = planName(role);
  const pinned = async (ctx: StepContext) => {
    const p = await readPlan(ctx, role);
    if (isErr(p)) return { ok: false, why: p.error };
    const v = p?.spec?.version;
    return {
      ok: v === sucParams(ctx.op).target && !p?.spec?.channel,
      why: p ? `version ${v ?? "none"}` : "absent",
    };
  };
  return {
    id: "apply-plan",
    title: `apply ${name}`,
    async check(ctx) {
      const r = await pinned(ctx);
      return { done: r.ok, observed: { plan: r.why } };
    },
    async act(ctx) {
      const run = await kubectlChange(ctx.remote, ctx.cluster, applyStdin(planYaml(ctx, role)));
      if ("error" in run) return { ok: false, failure: { message: run.error } };
      return run.res.code === 0
        ? { ok: true }
        : {
            ok: false,
            failure: {
              message: `applying ${name} failed on ${run.server}`,
              command: `kubectl apply -f - (${name})`,
              exitCode: run.res.code,
              stderr: run.res.stderr.slice(-2000),
            },
          };
    },
    async verify(ctx) {
      const r = await pinned(ctx);
      return r.ok
        ? { ok: true, summary: `${name} pinned to ${sucParams(ctx.op).target}` }
        : {
            ok: false,
            failure: { message: `${name} is not pinned to ${sucParams(ctx.op).target}: ${r.why}` },
          };
    },
  };
}

type Probe = { ok: boolean; why: string; failed?: JobJson; versionAfter?: string };

async function probeNode(ctx: StepContext, role: PlanRole): Promise<Probe> {
  const p = sucParams(ctx.op);
  const plan = await readPlan(ctx, role);
  if (isErr(plan)) return { ok: false, why: plan.error };
  const jobs = await getItems<JobJson>(ctx.remote, ctx.cluster, "jobs");
  if (!Array.isArray(jobs)) return { ok: false, why: jobs.error };
  const mine = jobsOf(jobs, planName(role));
  const st = await readNodeStatuses(ctx.remote);
  // Every poll refreshes the phase's one progress message (the whole plan, not just this node).
  if (!("error" in st))
    ctx.progress(
      sucProgressLines({
        planName: planName(role),
        target: p.target,
        plan,
        jobs: mine,
        nodes: ctx.cluster.nodes.filter((n) => n.role === role).map((n) => n.name),
        statuses: st.nodes,
      }),
    );
  const failed = mine.find((j) => failedCondition(j));
  if (failed) return { ok: false, why: `job ${jobName(failed)} on ${jobNode(failed)} failed`, failed };
  if ("error" in st) return { ok: false, why: st.error };
  const node = st.nodes.find((n) => n.name === ctx.node.name);
  const r = nodeProgress(ctx.node.name, p.target, plan, mine, node, p.cordonedBefore);
  return { ...r, ...(node ? { versionAfter: node.kubeletVersion } : {}) };
}

async function halt(ctx: StepContext, j: JobJson): Promise<StepOutcome> {
  const log = await jobLog(ctx.remote, ctx.cluster, jobName(j));
  const c = failedCondition(j);
  const kind = classifyFailure(j, log);
  return {
    ok: false,
    failure: {
      message: `SUC job ${jobName(j)} on ${jobNode(j)} failed (${c?.reason ?? "Failed"}: ${c?.message ?? "?"}). ${adviceFor(kind, jobNode(j), jobName(j))}`,
      stderr: log.slice(-2500),
    },
  };
}

/**
 * Watch the plan until this node is on the target, Ready and uncordoned with no job running. A failed
 * job of the plan (backoff limit, deadline, a drain a PDB blocks) halts with its pod log. On Retry,
 * check() finds the failed job and act() deletes it, so the controller creates a new one.
 */
export function waitNodeStep(role: PlanRole): StepDef {
  const name = planName(role);
  return {
    id: "wait-node",
    title: `wait for ${name} on the node`,
    // Never "already done": the watch itself is the work (and the audit says so, not "already done").
    async check(ctx) {
      const jobs = await getItems<JobJson>(ctx.remote, ctx.cluster, "jobs");
      const failed = Array.isArray(jobs) ? jobsOf(jobs, name).filter((j) => failedCondition(j)) : [];
      return { done: false, observed: { failedJobs: failed.map(jobName) } };
    },
    async act(ctx, check) {
      const names = (check.observed as { failedJobs: string[] }).failedJobs;
      if (names.length === 0) return { ok: true };
      const run = await kubectlChange(ctx.remote, ctx.cluster, deleteJobs(names));
      if ("error" in run) return { ok: false, failure: { message: run.error } };
      return run.res.code === 0
        ? { ok: true, summary: `deleted the failed job(s) ${names.join(", ")}` }
        : {
            ok: false,
            failure: {
              message: `could not delete the failed job(s) ${names.join(", ")}`,
              stderr: run.res.stderr,
            },
          };
    },
    async verify(ctx) {
      const o = ctx.inventory.operations;
      const planNodes = ctx.cluster.nodes.filter((n) => n.role === role).length;
      // Jobs on the other nodes of the plan run first: give each its own readiness window.
      const timeoutMs = o.nodeReadyTimeoutSeconds * 1000 * (planNodes + 1);
      let last: Probe = { ok: false, why: "not probed" };
      const r = await pollUntil(
        ctx.clock,
        { timeoutMs, intervalMs: o.pollIntervalSeconds * 1000, signal: ctx.signal },
        async () => {
          last = await probeNode(ctx, role);
          return { ok: last.ok || !!last.failed, why: last.why };
        },
      );
      if (last.failed) return halt(ctx, last.failed);
      if (!r.ok)
        return {
          ok: false,
          failure: {
            message: `${ctx.node.name} not upgraded by ${name} within ${Math.round(timeoutMs / 1000)} s: ${r.why}`,
          },
        };
      return {
        ok: true,
        facts: { versionAfter: last.versionAfter },
        summary: `${last.why} after ${(r.waitedMs / 1000).toFixed(1)} s`,
      };
    },
  };
}
