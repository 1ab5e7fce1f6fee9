import type { CertStatus } from "../../certs/cert-types.js";
import { STATUS_ORDER, type ClusterReport, type ProblemCert } from "../../certs/report-model.js";
import { esc, packLines } from "./block-kit.js";
import { certLine, certLocation, isoDate, plural, STATUS_EMOJI, STATUS_WORDS } from "./format-cert.js";

/** The worst thing in a report, as one emoji: used in headlines and notification text. */
export function reportEmoji(r: ClusterReport): string {
  const worst = STATUS_ORDER.find((s) => s !== "ok" && r.counts[s] > 0);
  if (worst) return STATUS_EMOJI[worst];
  return r.unreachable.length > 0 ? ":warning:" : STATUS_EMOJI.ok;
}

/** "1 expired · 2 critical · 3 renewal window · 1 node unreachable", or "all 87 certificates fine". */
export function countsLine(r: ClusterReport): string {
  const parts = STATUS_ORDER.filter((s) => s !== "ok" && r.counts[s] > 0).map(
    (s) => `${r.counts[s]} ${STATUS_WORDS[s]}`,
  );
  if (r.unreachable.length > 0) parts.push(`${plural(r.unreachable.length, "node")} unreachable`);
  if (parts.length === 0) return `all ${plural(r.totals.certificates, "certificate")} fine`;
  return parts.join(" · ");
}

export function summaryText(r: ClusterReport): string {
  const t = r.totals;
  // Only a Rancher cluster may list no nodes: say so rather than "all 0 certificates fine".
  if (t.nodes === 0)
    return `:information_source: *${r.cluster}*: no SSH nodes in the inventory, no certificate files read; \`/rke2 rotate ${r.cluster}\` goes through Rancher and verifies through the cluster's API`;
  const scanned =
    t.nodesScanned === t.nodes
      ? plural(t.nodes, "node")
      : `${plural(t.nodes, "node")}, ${t.nodesScanned} scanned`;
  const sl = r.soonestLeaf;
  const when =
    sl && (sl.daysLeft < 0 ? `expired ${plural(-sl.daysLeft, "day")} ago` : plural(sl.daysLeft, "day"));
  const soonest = sl ? ` · soonest leaf expiry: ${when} (\`${sl.node}\`, ${isoDate(sl.notAfter)})` : "";
  const split = `${plural(t.leaves, "leaf certificate")}, ${plural(t.cas, "CA")}`;
  const ca = caExpiryLine(r);
  return `${reportEmoji(r)} *${r.cluster}*: ${countsLine(r)}\n${scanned} · ${split}${soonest}${ca ? `\n${ca}` : ""}`;
}

/** The soonest CA not-after: no restart or rotate renews CAs, so the header keeps it in view. */
export function caExpiryLine(r: ClusterReport): string | undefined {
  const ca = r.caHorizon?.[0];
  if (!ca) return undefined;
  const when =
    ca.daysLeft < 0 ? `expired ${plural(-ca.daysLeft, "day")} ago` : `in ${plural(ca.daysLeft, "day")}`;
  const icon = ca.daysLeft < 365 ? ":warning: " : "";
  const hint = ca.daysLeft < 365 ? " · restarts do not renew CAs: plan `rke2 certificate rotate-ca`" : "";
  return `${icon}CA expiry: ${isoDate(ca.notAfter)}, ${when} (\`${esc(ca.subjectCN)}\` on \`${ca.node}\`)${hint}`;
}

export const healthyLine = (r: ClusterReport, renewalWindowDays?: number): string | undefined => {
  const ok = r.counts.ok;
  if (ok === 0) return undefined;
  const horizon = renewalWindowDays ? ` (more than ${renewalWindowDays} days left)` : "";
  const other = r.problems.length > 0 ? "other " : "";
  const on = r.healthyNodes?.length ? ` on ${nodeList(r.healthyNodes)}` : "";
  return `${STATUS_EMOJI.ok} ${plural(ok, `${other}certificate`)} fine${horizon}.${on ? `\nNo problem${on}.` : ""}`;
};

/** The first 20 names, then "and N more": the reader sees every node was reached, in bounded text. */
export function nodeList(names: readonly string[], shown = 20): string {
  const head = names.slice(0, shown).map((n) => `\`${esc(n)}\``);
  const rest = names.length - head.length;
  return rest > 0 ? `${head.join(", ")} and ${rest} more` : head.join(", ");
}

/** A node whose listing was cut (IncompleteScanError) answered, but was not scanned completely. */
export const failedWord = (u: { kind: string }): string =>
  u.kind === "incomplete" ? "not scanned completely" : "unreachable";

export function unreachableLines(r: ClusterReport): string[] {
  return r.unreachable.map(
    (u) => `:no_entry: \`${u.node}\` (${u.role}) *${failedWord(u)}*: ${esc(u.kind)} — ${esc(u.message)}`,
  );
}

/** A problem with its advice underneath. */
export const problemLine = (p: ProblemCert, withNode = true): string =>
  `${certLine(p, { withNode })}\n      ↳ ${esc(p.advice)}`;

/**
 * Problems beyond the first `detailed` grouped by status and file across nodes, so 200 nodes in their
 * renewal window read as a handful of lines instead of 200.
 */
export function groupedProblemLines(problems: ProblemCert[]): string[] {
  const groups = new Map<string, { status: CertStatus; loc: string; items: ProblemCert[] }>();
  for (const p of problems) {
    const key = `${p.status}\u0000${certLocation(p)}`;
    const g = groups.get(key) ?? { status: p.status, loc: certLocation(p), items: [] };
    g.items.push(p);
    groups.set(key, g);
  }
  return [...groups.values()].map(({ status, loc, items }) => {
    const first = items[0] as ProblemCert;
    const nodes =
      items.length === 1 ? `\`${first.node}\`` : `${items.length} nodes (worst: \`${first.node}\`)`;
    const when = first.facts
      ? `, ${(first.daysLeft ?? 0) < 0 ? "expired" : "expires"} ${isoDate(first.facts.notAfter)}`
      : "";
    return `${STATUS_EMOJI[status]} *${STATUS_WORDS[status]}* \`${esc(loc)}\` on ${nodes}${when}\n      ↳ ${esc(first.advice)}`;
  });
}

/** Problem sections: the worst `detailed` individually with advice, the rest grouped by file. */
export function problemSections(problems: ProblemCert[], detailed: number): string[] {
  const lines = problems.slice(0, detailed).map((p) => problemLine(p));
  const rest = problems.slice(detailed);
  if (rest.length > 0)
    lines.push(`*…and ${plural(rest.length, "more problem")}, by file:*`, ...groupedProblemLines(rest));
  return packLines(lines);
}

/** ": timeout — connect ETIMEDOUT …", without repeating "unreachable". */
export const whyUnreachable = (u: { kind: string; message: string }): string =>
  `${u.kind && u.kind !== "unreachable" && u.kind !== "incomplete" ? ` (${esc(u.kind)})` : ""}: ${esc(u.message)}`;
