import type { EventsRead } from "../../rke2/expiry-events.js";
import { esc, packLines, section, type Block } from "./block-kit.js";
import { plural } from "./format-cert.js";
import { LIMITS } from "./limits.js";

/** One line for the report: what Kubernetes itself says, as a cross-check of the scan. */
export function eventsSummaryLine(ev: EventsRead): string {
  if (!ev.ok)
    return `:grey_question: Could not read Kubernetes' CertificateExpirationWarning events: ${esc(ev.error)}`;
  if (ev.events.length === 0)
    return ":white_check_mark: Kubernetes raised no CertificateExpirationWarning events (cross-check).";
  const nodes = [...new Set(ev.events.map((e) => e.node))];
  const head = `:warning: Kubernetes itself raised ${plural(ev.events.length, "certificate expiration warning")} on `;
  const tail = ` (cross-check, read on ${esc(ev.server)}; each in the thread).`;
  return head + nodeList(nodes, LIMITS.sectionText - head.length - tail.length) + tail;
}

/** Whole node names only, then "and N more": a cut would break a code span (and the node's name). */
function nodeList(nodes: string[], budget: number): string {
  const names = nodes.map((n) => `\`${esc(n)}\``);
  let shown = names.length;
  let text = names.join(", ");
  while (text.length > budget && shown > 0) {
    shown -= 1;
    text = `${names.slice(0, shown).join(", ")} and ${nodes.length - shown} more`;
  }
  return shown === 0 ? `${nodes.length} nodes` : text;
}

/** Thread detail: each warning with its node, reason and message. */
export function eventsDetailBlocks(ev: EventsRead): Block[] {
  if (!ev.ok || ev.events.length === 0) return [];
  const lines = [
    `*Kubernetes events* (\`kubectl get events -A --field-selector reason=CertificateExpirationWarning\` on ${esc(ev.server)})`,
    ...ev.events.map(
      (e) =>
        `• \`${esc(e.node)}\` ${esc(e.type)} *${esc(e.reason)}*${e.count > 1 ? ` ×${e.count}` : ""}: ${esc(e.message.slice(0, 600))}`,
    ),
  ];
  return packLines(lines).map(section);
}
