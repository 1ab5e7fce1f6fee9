import type { OperationView, PhaseMark } from "../../../operations/view/operation-view.js";
import type { ChatMessage } from "../../../shared/chat-port.js";
import { redactUrls } from "../../../shared/redact-url.js";
import { context, esc, fitBlocks, header, packLines, section, type Block } from "../block-kit.js";
import { operationButtons } from "./operation-buttons.js";
import { approvalLines, slackDate, whoMay } from "./render-gate.js";
import { ABORT_WHO } from "./render-thread-note.js";

/** Failure texts and preflight problems embed command lines, node output and channel-server data. */
const untrusted = (s: string): string => esc(redactUrls(s));

const MARK: Record<PhaseMark, string> = {
  pending: "⚪",
  awaiting: "⏸️",
  running: "▶️",
  done: "✅",
  failed: "❌",
  stopped: "⏹️",
};
const STATUS_ICON: Partial<Record<OperationView["status"], string>> = {
  "preflight-failed": "❌",
  completed: "✅",
  halted: "❌",
  rejected: "🚫",
  expired: "⌛",
  cancelled: "⏹️",
  aborted: "⏹️",
};

/**
 * The one message of an operation, updated in place as it moves: plan, phase marks, per-node
 * progress of the current phase, and the buttons that apply right now. Details go to the thread.
 */
export function renderOperationMessage(v: OperationView): ChatMessage {
  const icon = STATUS_ICON[v.status] ?? "🔧";
  const head: Block[] = [
    header(`${icon} ${v.title}: ${v.cluster} (${v.id})`),
    context(`Requested by <@${v.requestedBy}> at ${v.requestedAt}`, `*Status:* ${esc(v.statusLine)}`),
  ];
  const body: Block[] = [];
  if (v.preflightProblems?.length) {
    body.push(
      ...packLines([
        "*Preflight failed; nothing to approve:*",
        ...v.preflightProblems.map((p) => `• ${untrusted(p)}`),
      ]).map(section),
    );
  } else {
    body.push(...packLines([`*${esc(v.plan.summary)}*`, ...v.plan.lines]).map(section));
    if (v.phases.length)
      body.push(section(v.phases.map((p, i) => `${MARK[p.mark]} ${i + 1}. ${esc(p.title)}`).join("   ")));
    if (v.progress.length) body.push(...packLines(v.progress.map((l) => `\`${esc(l)}\``)).map(section));
  }
  if (v.failure) {
    const f = v.failure;
    body.push(
      section(
        `❌ *${esc(f.step)}* failed on *${esc(f.node)}*: ${untrusted(f.message)}${f.backupDir ? `\nRestore point: \`${esc(f.backupDir)}\`` : ""}\nDetails in the thread.`,
      ),
    );
  }
  const tail: Block[] = [];
  if (v.gate?.kind === "approval") {
    tail.push(operationButtons(v.id, v.gate.token, ["approve", "reject"]));
    tail.push(context(...approvalLines(v.gate)));
  } else if (v.gate?.kind === "failure") {
    tail.push(operationButtons(v.id, v.gate.token, ["retry", "abort"]));
    tail.push(
      context(
        `Retry re-checks the node before acting (approvers only: ${whoMay(v.gate.approvers)}); Abort ends the operation (${ABORT_WHO}). Lapses ${slackDate(v.gate.expiresAt)}.`,
      ),
    );
  } else if (v.cancellable) {
    tail.push(operationButtons(v.id, "cancel", ["cancel"]));
  }
  const blocks = fitBlocks(
    head,
    body,
    tail,
    (n) => `…${n} more sections; see \`/rke2 status ${v.cluster}\`.`,
  );
  return { text: `${v.title} ${v.id} on ${v.cluster}: ${v.statusLine}`, blocks };
}
