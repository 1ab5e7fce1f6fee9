import type { ClusterScan, NodeScanOk } from "../../certs/cert-types.js";
import type { ClusterReport } from "../../certs/report-model.js";
import type { ChatMessage } from "../../shared/chat-port.js";
import { context, fitBlocks, header, packLines, section, type Block } from "./block-kit.js";
import { certLine, stamp } from "./format-cert.js";
import { darkApiBlocks } from "./render-dark-api.js";
import {
  countsLine,
  healthyLine,
  problemSections,
  reportEmoji,
  summaryText,
  unreachableLines,
} from "./render-summary.js";

const DETAILED_PROBLEMS = 25;

export interface CertsAnswerInput {
  report: ClusterReport;
  /** Set for `/rke2 certs <cluster> <node>`: every certificate of that node is listed. */
  node?: string;
  scan?: ClusterScan;
  renewalWindowDays?: number;
}

/** The answer to `/rke2 certs <cluster> [node]`, worst first, within Block Kit limits at any size. */
export function renderCertsAnswer(input: CertsAnswerInput): ChatMessage {
  const { report: r, node } = input;
  const title = node ? `Certificates — ${r.cluster} / ${node}` : `Certificates — ${r.cluster}`;
  const head: Block[] = [header(title), ...darkApiBlocks(r.cluster, r.darkApi), section(summaryText(r))];
  const body: Block[] = problemSections(r.problems, DETAILED_PROBLEMS).map(section);
  for (const text of packLines(unreachableLines(r))) body.push(section(text));
  const healthy = healthyLine(r, input.renewalWindowDays);
  if (healthy && !node) body.push(section(healthy));
  if (node && input.scan) body.push(...nodeListing(input.scan, node));
  const tail = [
    context(
      `Scanned ${stamp(r.scannedAt)} · \`/rke2 certs ${r.cluster} <node>\` for one node · \`/rke2 rotate ${r.cluster}\` renews every certificate`,
    ),
  ];
  const blocks = fitBlocks(
    head,
    body,
    tail,
    (n) => `…${n} more sections left out: ask for one node with \`/rke2 certs ${r.cluster} <node>\`.`,
  );
  return { text: `${reportEmoji(r)} ${title}: ${countsLine(r)}`, blocks };
}

function nodeListing(scan: ClusterScan, node: string): Block[] {
  const n = scan.nodes.find((x): x is NodeScanOk => x.node === node && x.ok);
  if (!n) return [];
  const fine = n.certs.filter((c) => c.status === "ok").map((c) => certLine(c, { withNode: false }));
  if (fine.length === 0) return [];
  return packLines([`*Every other certificate on \`${node}\`:*`, ...fine]).map(section);
}

/** `/rke2 certs` over several clusters: one summary per cluster, problems trimmed to fit one message. */
export function renderMultiClusterAnswer(inputs: CertsAnswerInput[]): ChatMessage {
  const perCluster = Math.max(3, Math.floor(40 / Math.max(1, inputs.length)));
  const body: Block[] = [];
  for (const { report: r } of inputs) {
    body.push(section(summaryText(r)));
    const sections = problemSections(r.problems, 5).slice(0, 1);
    for (const text of sections) body.push(section(text));
    for (const text of packLines(unreachableLines(r)).slice(0, 1)) body.push(section(text));
    if (body.length > perCluster * inputs.length) break;
  }
  const head = [header(`Certificates — ${inputs.length} clusters`)];
  const tail = [
    context(
      "`/rke2 certs <cluster>` for one cluster's full list · `/rke2 certs <cluster> <node>` for one node",
    ),
  ];
  const worst = inputs.map((i) => `${reportEmoji(i.report)} ${i.report.cluster}`).join(", ");
  return {
    text: `Certificates: ${worst}`,
    blocks: fitBlocks(head, body, tail, (n) => `…${n} more sections left out.`),
  };
}
