import {
  isTerminal,
  stepKey,
  type FailureInfo,
  type NodeLedger,
  type OpRecord,
  type PlanText,
} from "../engine/records.js";

export type PhaseMark = "pending" | "awaiting" | "running" | "done" | "failed" | "stopped";

/** Everything the operation message shows, computed from the ledger. Pure; rendered by slack/blocks/operation. */
export interface OperationView {
  id: string;
  title: string;
  cluster: string;
  requestedBy: string;
  requestedAt: string;
  status: OpRecord["status"];
  statusLine: string;
  plan: PlanText;
  phases: Array<{ title: string; mark: PhaseMark }>;
  /** Current phase, one line per node: its steps with state marks. */
  progress: string[];
  gate?: {
    kind: "approval" | "failure";
    token: string;
    phaseTitle: string;
    expiresAt: string;
    /** Distinct approvals needed, who gave one so far, and the approver principals (users, S… groups). */
    required?: number;
    approvedBy?: string[];
    approvers?: string[];
  };
  failure?: FailureInfo;
  preflightProblems?: string[];
  cancellable: boolean;
}

const STEP_MARK: Record<string, string> = { planned: "·", intent: "…", unknown: "?", done: "✓", failed: "✗" };

export function progressLines(op: OpRecord, nodes: ReadonlyMap<string, NodeLedger>): string[] {
  const phase = op.phases[op.phase];
  if (!phase) return [];
  return phase.items.map((item) => {
    const led = nodes.get(item.node);
    const marks = item.steps.map(
      (s) => `${STEP_MARK[led?.steps[stepKey(phase.id, s)]?.state ?? "planned"]} ${s}`,
    );
    return `${item.node}: ${marks.join("  ")}`;
  });
}

export function statusLine(op: OpRecord): string {
  const phase = op.phases[op.phase];
  const p = phase ? `phase ${op.phase + 1}/${op.phases.length} (${phase.title})` : "";
  switch (op.status) {
    case "preflight":
      return "running preflight checks";
    case "preflight-failed":
      return "preflight failed: nothing was changed";
    case "awaiting-approval":
      return `waiting for approval of ${p} until ${op.gate?.expiresAt}`;
    case "running":
      return `running ${p}${op.waitingUntil ? `; waiting until ${op.waitingUntil}: ${op.waitingReason}` : ""}${op.cancelRequested ? "; cancel requested" : ""}`;
    case "halted":
      return `halted in ${p}: ${op.failure?.step} on ${op.failure?.node} failed`;
    case "completed":
      return `completed at ${op.finishedAt}`;
    default: {
      const last = op.decisions.at(-1);
      return `${op.status}${last && last.by !== "system" ? ` by <@${last.by}>` : ""}${op.finishedAt ? ` at ${op.finishedAt}` : ""}`;
    }
  }
}

function phaseMark(op: OpRecord, i: number): PhaseMark {
  if (op.phaseTimes[i]?.completedAt) return "done";
  if (i !== op.phase) return i < op.phase ? "done" : "pending";
  if (op.status === "running") return "running";
  if (op.status === "awaiting-approval") return "awaiting";
  if (op.status === "halted") return "failed";
  return isTerminal(op.status) && op.status !== "completed" ? "stopped" : "pending";
}

export function buildOperationView(
  op: OpRecord,
  nodes: ReadonlyMap<string, NodeLedger>,
  title: string,
): OperationView {
  return {
    id: op.id,
    title,
    cluster: op.cluster,
    requestedBy: op.requestedBy.userId,
    requestedAt: op.requestedAt,
    status: op.status,
    statusLine: statusLine(op),
    plan: op.plan,
    phases: op.phases.map((p, i) => ({ title: p.title, mark: phaseMark(op, i) })),
    progress: op.status === "running" || op.status === "halted" ? progressLines(op, nodes) : [],
    ...(op.gate
      ? {
          gate: {
            kind: op.gate.kind,
            token: op.gate.token,
            phaseTitle: op.phases[op.gate.phase]?.title ?? "",
            expiresAt: op.gate.expiresAt,
            required: op.gate.required ?? 1,
            approvedBy: (op.gate.approvals ?? []).map((a) => a.by),
            approvers: op.gate.approvers ?? [],
          },
        }
      : {}),
    ...(op.status === "halted" && op.failure ? { failure: op.failure } : {}),
    ...(op.preflightProblems ? { preflightProblems: op.preflightProblems } : {}),
    cancellable: op.status === "running" && !op.cancelRequested,
  };
}
