import { kubectl } from "../../rke2/commands.js";
import { readNodeStatuses } from "../common/cluster-health.js";
import type { AbortContext } from "../engine/definition.js";
import { deleteJobs, deletePlans, getItems, kubectlChange, planName } from "./suc-kubectl.js";
import { sucParams } from "./suc-params.js";
import { jobName, jobNode, jobsOf, type JobJson } from "./suc-status.js";

const lastLine = (s: string) => s.trim().split("\n").at(-1) ?? "";

/**
 * Abort: the plans go (else the controller keeps upgrading once someone deletes the failed job),
 * with their jobs; a node a plan's job cordoned is uncordoned; a node cordoned before the
 * operation stays cordoned. The controller itself stays until a completed upgrade's clean-up.
 */
export async function sucAbort(ctx: AbortContext): Promise<string[]> {
  const p = sucParams(ctx.op);
  const all = await getItems<JobJson>(ctx.remote, ctx.cluster, "jobs");
  if (!Array.isArray(all)) return [`could not read the SUC jobs: ${all.error}; plans left in place`];
  const jobs = [...jobsOf(all, planName("server")), ...jobsOf(all, planName("agent"))];
  const lines: string[] = [];
  const del = await kubectlChange(ctx.remote, ctx.cluster, deletePlans());
  if ("error" in del || del.res.code !== 0)
    return [`could not delete the plans: ${"error" in del ? del.error : lastLine(del.res.stderr)}`];
  lines.push("deleted server-plan and agent-plan");
  if (jobs.length) {
    const dj = await kubectlChange(ctx.remote, ctx.cluster, deleteJobs(jobs.map(jobName)));
    lines.push(
      "error" in dj || dj.res.code !== 0
        ? `could not delete the jobs: ${"error" in dj ? dj.error : lastLine(dj.res.stderr)}`
        : `deleted ${jobs.length} upgrade job(s)`,
    );
  }
  const st = await readNodeStatuses(ctx.remote);
  if ("error" in st) return [...lines, `could not read the nodes to uncordon: ${st.error}`];
  const touched = new Set(jobs.map(jobNode));
  for (const n of st.nodes.filter((x) => x.unschedulable && touched.has(x.name))) {
    if (p.cordonedBefore.includes(n.name)) {
      lines.push(`${n.name} was cordoned before the operation: left cordoned`);
      continue;
    }
    const un = await kubectlChange(ctx.remote, ctx.cluster, kubectl("uncordon", n.name));
    lines.push(
      "error" in un || un.res.code !== 0
        ? `could not uncordon ${n.name}: ${"error" in un ? un.error : lastLine(un.res.stderr)}`
        : `uncordoned ${n.name} (cordoned by its upgrade job)`,
    );
  }
  return lines;
}
