import type { ClusterReport, ProblemCert } from "../../certs/report-model.js";
import type { ChatMessage } from "../../shared/chat-port.js";
import type { EventsRead } from "../../rke2/expiry-events.js";
import { LIMITS } from "./limits.js";
import { eventsDetailBlocks, eventsSummaryLine } from "./render-expiry-events.js";
import { renewableByRestart, renewButton } from "./render-alert.js";
import { actions, context, fitBlocks, header, packLines, section, type Block } from "./block-kit.js";
import { plural, stamp } from "./format-cert.js";
import { darkApiBlocks } from "./render-dark-api.js";
import {
  countsLine,
  failedWord,
  healthyLine,
  problemLine,
  reportEmoji,
  summaryText,
  whyUnreachable,
} from "./render-summary.js";

export interface DailyReport {
  /** The one top-level message per cluster and firing. */
  top: ChatMessage;
  /** Per-node details, posted as replies in the top message's thread. */
  thread: ChatMessage[];
}

const TOP_PROBLEMS = 5;
const BLOCKS_PER_REPLY = 40;
const MAX_REPLIES = 10;

export const reportHeadline = (cluster: string, date: string): string =>
  `Certificate expiry report — ${cluster} — ${date}`;

/** `date` is the firing's YYYY-MM-DD in the report's time zone. */
export function renderDailyReport(
  r: ClusterReport,
  date: string,
  opts: { renewalWindowDays?: number; nodeNames?: string[]; events?: EventsRead } = {},
): DailyReport {
  const headline = reportHeadline(r.cluster, date);
  const body: Block[] = [];
  const worst = r.problems.slice(0, TOP_PROBLEMS).map((p) => problemLine(p));
  if (r.problems.length > TOP_PROBLEMS)
    worst.push(`…and ${plural(r.problems.length - TOP_PROBLEMS, "more problem")} in the thread.`);
  for (const text of packLines(worst)) body.push(section(text));
  if (r.unreachable.length > 0)
    body.push(
      section(
        `:no_entry: *Unreachable:* ${r.unreachable.map((u) => `\`${u.node}\``).join(", ")} — details in the thread.`,
      ),
    );
  const healthy = healthyLine(r, opts.renewalWindowDays);
  if (healthy) body.push(section(healthy));
  if (opts.events) body.push(section(eventsSummaryLine(opts.events)));
  const tail = [
    ...(!r.darkApi && r.problems.some(renewableByRestart) ? [actions([renewButton(r.cluster)])] : []),
    context(
      `Scanned ${stamp(r.scannedAt)} · per-node details in the thread · \`/rke2 certs ${r.cluster}\` to scan again`,
    ),
  ];
  const top: ChatMessage = {
    text: `${reportEmoji(r)} ${headline}: ${countsLine(r)}`,
    blocks: fitBlocks(
      [header(headline), ...darkApiBlocks(r.cluster, r.darkApi), section(summaryText(r))],
      body,
      tail,
      (n) => `…${n} more sections in the thread.`,
    ),
  };
  return {
    top,
    thread: renderThread(r, opts.nodeNames ?? [], opts.events ? eventsDetailBlocks(opts.events) : []),
  };
}

function renderThread(r: ClusterReport, nodeNames: string[], extra: Block[]): ChatMessage[] {
  const byNode = new Map<string, ProblemCert[]>();
  for (const p of r.problems) byNode.set(p.node, [...(byNode.get(p.node) ?? []), p]);
  const sections: Block[] = [];
  for (const [node, problems] of byNode) {
    const role = problems[0]?.role ?? "";
    const lines = [
      `*${node}* (${role}) — ${plural(problems.length, "problem")}`,
      ...problems.map((p) => problemLine(p, false)),
    ];
    for (const text of packLines(lines)) sections.push(section(text));
  }
  for (const u of r.unreachable)
    sections.push(section(`:no_entry: *${u.node}* (${u.role}) — *${failedWord(u)}*${whyUnreachable(u)}`));
  const quiet = healthyNodes(r, byNode, nodeNames);
  if (quiet.length > 0) {
    const lead = `:white_check_mark: ${plural(quiet.length, "node")} with nothing to do: `;
    sections.push(section(lead + joinNames(quiet, LIMITS.sectionText - lead.length)));
  }
  sections.push(...extra);
  if (sections.length === 0) return [];
  const replies: ChatMessage[] = [];
  for (let i = 0; i < sections.length && replies.length < MAX_REPLIES; i += BLOCKS_PER_REPLY) {
    let chunk = sections.slice(i, i + BLOCKS_PER_REPLY);
    const isLast = replies.length === MAX_REPLIES - 1 && i + BLOCKS_PER_REPLY < sections.length;
    if (isLast)
      chunk = [
        ...chunk,
        section(
          `…${sections.length - i - BLOCKS_PER_REPLY} more sections left out: \`/rke2 certs ${r.cluster} <node>\` shows one node.`,
        ),
      ];
    replies.push({ text: `${r.cluster}: details ${replies.length + 1}`, blocks: chunk });
  }
  return replies;
}

/** `a`, `b`, … and N more — never cut inside a name. */
function joinNames(names: string[], maxChars: number): string {
  let out = "";
  for (let i = 0; i < names.length; i++) {
    const next = `${out ? ", " : ""}\`${names[i]}\``;
    const more = ` and ${names.length - i} more`;
    if (out.length + next.length + more.length > maxChars) return out + more;
    out += next;
  }
  return out;
}

function healthyNodes(
  r: ClusterReport,
  withProblems: Map<string, ProblemCert[]>,
  nodeNames: string[],
): string[] {
  const unreachable = new Set(r.unreachable.map((u) => u.node));
  return nodeNames.filter((n) => !withProblems.has(n) && !unreachable.has(n));
}
