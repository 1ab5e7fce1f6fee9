import { escapeMrkdwn, inlineCode } from "../../shared/mrkdwn.js";
import type { NodeStatus } from "../common/cluster-health.js";
import { failedCondition, isActive, jobName, jobNode, type JobJson, type PlanJson } from "./suc-status.js";

/** Beyond this many nodes the table names the busiest ones and counts the rest. */
export const MAX_PROGRESS_NODES = 40;

type JobState = "failed" | "active" | "succeeded" | "pending";
const jobState = (j: JobJson): JobState =>
  failedCondition(j) ? "failed" : isActive(j) ? "active" : j.status?.succeeded ? "succeeded" : "pending";

interface Row {
  node: string;
  job?: JobJson;
  state?: JobState;
  st?: NodeStatus;
  onTarget: boolean;
}
/** Failed first, then running, then still to do, then done: what an operator looks for first. */
const rank = (r: Row) =>
  r.state === "failed" ? 0 : r.state === "active" ? 1 : r.onTarget && r.state !== "pending" ? 3 : 2;

function line(r: Row): string {
  const job = r.job ? `job ${inlineCode(jobName(r.job))} ${r.state}` : "no job yet";
  const st = r.st
    ? [
        escapeMrkdwn(r.st.kubeletVersion),
        r.st.ready ? "Ready" : `not Ready (${escapeMrkdwn(r.st.reason)})`,
        r.st.unschedulable ? "cordoned" : "schedulable",
      ].join(" · ")
    : "not in the API";
  return `• *${escapeMrkdwn(r.node)}* · ${job} · ${st}`;
}

/**
 * The live progress of one plan, one line per node it targets: plan status, the node's latest job,
 * kubelet version, Ready, cordoned. Everything from the cluster is escaped. Pure.
 */
export function sucProgressLines(o: {
  planName: string;
  target: string;
  plan: PlanJson | undefined;
  /** The plan's jobs. */
  jobs: JobJson[];
  /** The inventory's nodes of the plan's role, in inventory order. */
  nodes: readonly string[];
  statuses: readonly NodeStatus[];
}): string[] {
  const applying = o.plan?.status?.applying ?? [];
  const head = o.plan
    ? `*${escapeMrkdwn(o.planName)}* → ${escapeMrkdwn(o.target)} (latest ${escapeMrkdwn(o.plan.status?.latestVersion ?? "unknown")}): ${
        applying.length ? `applying on ${escapeMrkdwn(applying.join(", "))}` : "not applying"
      }`
    : `*${escapeMrkdwn(o.planName)}* → ${escapeMrkdwn(o.target)}: plan not found`;
  const rows: Row[] = o.nodes.map((node) => {
    const job = o.jobs.filter((j) => jobNode(j) === node).at(-1);
    const st = o.statuses.find((s) => s.name === node);
    return { node, job, state: job && jobState(job), st, onTarget: st?.kubeletVersion === o.target };
  });
  const onTarget = rows.filter((r) => r.onTarget).length;
  const tally = `${onTarget}/${rows.length} nodes on ${escapeMrkdwn(o.target)}`;
  if (rows.length <= MAX_PROGRESS_NODES) return [head, tally, ...rows.map(line)];
  // Summarised: the busiest first (stable: inventory order within a rank).
  const sorted = rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i)
    .map((x) => x.r);
  const rest = sorted.slice(MAX_PROGRESS_NODES);
  return [
    head,
    tally,
    ...sorted.slice(0, MAX_PROGRESS_NODES).map(line),
    `…and ${rest.length} more nodes (${rest.filter((r) => r.onTarget).length} of them on ${escapeMrkdwn(o.target)})`,
  ];
}
