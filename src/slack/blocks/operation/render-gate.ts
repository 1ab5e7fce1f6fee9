import { mentionOf } from "../../../access/cluster-policy.js";
import type { OperationView } from "../../../operations/view/operation-view.js";
import { esc } from "../block-kit.js";

type GateView = NonNullable<OperationView["gate"]>;

/** `<!date^…>`: Slack shows the time in each reader's own time zone; the fallback is UTC. */
export function slackDate(iso: string): string {
  const t = Date.parse(iso);
  const fallback = new Date(t).toISOString().replace("T", " ").slice(0, 16) + " UTC";
  return `<!date^${Math.floor(t / 1000)}^{date_short_pretty} {time}|${fallback}>`;
}

export const whoMay = (approvers: readonly string[] = []): string =>
  approvers.length ? approvers.map(mentionOf).join(", ") : "the configured approvers";

/** Who may approve, how many approvals are needed and given, when the request lapses. */
export function approvalLines(g: GateView): string[] {
  const by = g.approvedBy ?? [];
  const required = g.required ?? 1;
  const progress = by.length
    ? `*${by.length} of ${required} approvals:* ${by.map((u) => `<@${u}>`).join(", ")}; ${required - by.length} more needed from a different approver to start phase: *${esc(g.phaseTitle)}*.`
    : `*${required === 1 ? "1 approval" : `${required} distinct approvals`} needed* to start phase: *${esc(g.phaseTitle)}*.`;
  return [
    progress,
    `May approve: ${whoMay(g.approvers)} (not the requester when distinct approval is required). Lapses ${slackDate(g.expiresAt)}; then the buttons are removed.`,
  ];
}
