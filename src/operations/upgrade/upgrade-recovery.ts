import { systemctl } from "../../rke2/commands.js";
import { serviceName } from "../../rke2/paths.js";
import { titleNoun } from "../../shared/title-noun.js";
import { readNodeStatuses } from "../common/cluster-health.js";
import type { PhaseContext, StepContext } from "../engine/definition.js";
import type { NodeLedger } from "../engine/records.js";
import { serviceState } from "../rotation/server-steps.js";
import { kubectlOnHealthy } from "./api-server.js";
import { apiStatus, isError } from "./node-versions.js";

const failedStep = (ctx: StepContext, led: Readonly<NodeLedger>): string | undefined =>
  Object.entries(led.steps)
    .find(([k, r]) => k.startsWith(`${ctx.phase.id}/`) && r.state === "failed")?.[0]
    .split("/")[1];

/** Start the node's service again when it is not running (the installer or a restart may have left it stopped). */
async function startIfStopped(ctx: StepContext): Promise<string> {
  const svc = serviceName(ctx.node.role);
  const state = await serviceState(ctx, svc);
  if (state === "active") return `${svc} on ${ctx.node.name} is running`;
  const res = await ctx.remote.run(ctx.node, systemctl("start", svc));
  const after = await serviceState(ctx, svc);
  return res.code === 0 && after === "active"
    ? `started ${svc} on ${ctx.node.name} again (it was ${state})`
    : `could not start ${svc} on ${ctx.node.name} (exit ${res.code}): ${res.stderr.trim().split("\n").slice(-2).join(" ")}; it is ${after}`;
}

/**
 * After a failed step, leave the node serving: service started again if it is not running; an
 * agent is uncordoned only when it is Ready (a node whose drain failed stays cordoned, so Retry
 * step continues the drain instead of rescheduling pods onto it). Touches no other node.
 */
export async function leaveServing(ctx: StepContext, led: Readonly<NodeLedger>): Promise<string[]> {
  const step = failedStep(ctx, led);
  if (!step || step === "post-verify" || step === "cordon") return [];
  const lines = step === "drain" ? [] : [await startIfStopped(ctx)];
  if (ctx.node.role !== "agent") return lines;
  const api = await apiStatus(ctx.remote, ctx.node);
  if (isError(api) || !api.unschedulable) return lines;
  if (step === "drain") return [...lines, `${ctx.node.name} was not installed: its drain did not finish`];
  if (!api.ready) return [...lines, `${ctx.node.name} is not Ready (${api.reason}): left cordoned`];
  const run = await kubectlOnHealthy(ctx.remote, ctx.cluster, ["uncordon", ctx.node.name]);
  if ("error" in run || run.res.code !== 0)
    return [
      ...lines,
      `could not uncordon ${ctx.node.name}: ${"error" in run ? run.error : run.res.stderr.trim().split("\n").at(-1)}`,
    ];
  return [...lines, `uncordoned ${ctx.node.name}: it is Ready on ${api.kubeletVersion}`];
}

/**
 * afterHalt for a definition that cordons: once every in-flight node has settled, each node left
 * cordoned, next to what Retry step continues (the definition's own title, so no kind is named here).
 */
export function cordonedNodes(title: string): (ctx: PhaseContext) => Promise<string[]> {
  const continues = `Retry step continues the ${titleNoun(title)}`;
  return async (ctx) => {
    const st = await readNodeStatuses(ctx.remote);
    if ("error" in st) return [`could not list cordoned nodes: ${st.error}`];
    const left = st.nodes.filter((n) => n.unschedulable && ctx.cluster.nodes.some((c) => c.name === n.name));
    if (left.length === 0) return ["No node is left cordoned."];
    return left.map(
      (n) => `${n.name}: cordoned (\`kubectl uncordon ${n.name}\` puts it back into service; ${continues})`,
    );
  };
}
