import type { NodeStatus } from "../common/cluster-health.js";
import { SUC_NS } from "./suc-kubectl.js";

/** The fields of a Plan and a Job the watch reads (`kubectl get … -o json`). */
export interface PlanJson {
  metadata?: { name?: string };
  spec?: { version?: string; channel?: string };
  status?: { latestVersion?: string; applying?: string[] };
}
export interface JobJson {
  metadata?: { name?: string; labels?: Record<string, string> };
  status?: {
    active?: number;
    succeeded?: number;
    failed?: number;
    conditions?: Array<{ type?: string; status?: string; reason?: string; message?: string }>;
  };
}

export const PLAN_LABEL = "upgrade.cattle.io/plan";
export const NODE_LABEL = "upgrade.cattle.io/node";

export const jobName = (j: JobJson) => j.metadata?.name ?? "?";
export const jobNode = (j: JobJson) => j.metadata?.labels?.[NODE_LABEL] ?? "?";
export const jobsOf = (jobs: JobJson[], plan: string) =>
  jobs.filter((j) => j.metadata?.labels?.[PLAN_LABEL] === plan);

/** The Failed=True condition of a job, if it has one (backoff limit or deadline). */
export function failedCondition(j: JobJson) {
  return j.status?.conditions?.find((c) => c.type === "Failed" && c.status === "True");
}
export const isActive = (j: JobJson) => (j.status?.active ?? 0) > 0 && !failedCondition(j);

export type FailureKind = "backoff" | "deadline" | "pdb";

/** Which of the guide's three failures this is: the pod log tells a blocked drain from any other error. */
export function classifyFailure(j: JobJson, log: string): FailureKind {
  if (/disruption budget/i.test(log)) return "pdb";
  return failedCondition(j)?.reason === "DeadlineExceeded" ? "deadline" : "backoff";
}

/** The guide's advice for each failure, and what Retry / Abort do here. */
export function adviceFor(kind: FailureKind, node: string, job: string): string {
  const logs = `\`kubectl logs -n ${SUC_NS} job/${job}\``;
  const then = `Then Retry (the bot deletes the failed job so the controller creates a new one). Abort deletes the plans and their jobs and uncordons the nodes the plan cordoned.`;
  switch (kind) {
    case "pdb":
      return `A PodDisruptionBudget blocks the drain of ${node}: audit PDBs with \`kubectl get pdb -A\`, adjust maxUnavailable if it is 0, or delete the blocking PDB for the upgrade window. ${then}`;
    case "deadline":
      return `The upgrade job on ${node} ran past its deadline: read ${logs} (image pull, slow restart) before trying again. ${then}`;
    default:
      return `The upgrade job on ${node} failed repeatedly (Job has reached the specified backoff limit): read ${logs}; common causes are a full disk, the upgrade image not pulling, or missing permissions. ${then}`;
  }
}

/** One probe of a node under a plan: where its job is, its version and Ready. Pure. */
export function nodeProgress(
  node: string,
  target: string,
  plan: PlanJson | undefined,
  jobs: JobJson[],
  st: NodeStatus | undefined,
  cordonedBefore: readonly string[],
): { ok: boolean; why: string } {
  if (!plan) return { ok: false, why: "plan not found" };
  const mine = jobs.filter((j) => jobNode(j) === node);
  const active = mine.find(isActive);
  const applying = plan.status?.applying ?? [];
  const parts = [
    applying.length ? `plan applying on ${applying.join(", ")}` : "plan idle",
    active
      ? `job ${jobName(active)} running`
      : mine.some((j) => j.status?.succeeded)
        ? "job complete"
        : "no job yet",
  ];
  if (!st) return { ok: false, why: [...parts, `${node} not in the API`].join("; ") };
  parts.push(`${node} ${st.kubeletVersion}${st.ready ? " Ready" : ` not Ready (${st.reason})`}`);
  if (st.unschedulable) parts.push("cordoned");
  const uncordoned = !st.unschedulable || cordonedBefore.includes(node);
  const ok = !active && st.kubeletVersion === target && st.ready && uncordoned;
  return { ok, why: parts.join("; ") };
}
