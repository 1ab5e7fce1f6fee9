import type { CertRecord, ClusterScan } from "../certs/cert-types.js";
import { STATUS_ORDER } from "../certs/report-model.js";

/** Left-aligned columns separated by two spaces. */
export function renderColumns(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  "))
    .join("\n");
}

const where = (c: CertRecord) =>
  `${c.source.path}${c.source.field ? `#${c.source.field}` : ""}${c.source.index ? `[${c.source.index}]` : ""}`;

/** The human report: every certificate worst first, then nodes that could not be scanned. */
export function formatCertsTable(scans: ClusterScan[]): string {
  const certs = scans.flatMap((s) => s.nodes.flatMap((n) => (n.ok ? n.certs : [])));
  certs.sort(
    (a, b) =>
      STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) ||
      (a.daysLeft ?? -Infinity) - (b.daysLeft ?? -Infinity) ||
      a.node.localeCompare(b.node) ||
      a.source.path.localeCompare(b.source.path),
  );
  const rows = [["STATUS", "DAYS", "NOT AFTER", "CLUSTER", "NODE", "KIND", "SUBJECT", "FILE"]];
  for (const c of certs) {
    rows.push([
      c.status.toUpperCase(),
      c.daysLeft === undefined ? "-" : String(c.daysLeft),
      c.facts ? c.facts.notAfter.replace(".000Z", "Z") : "-",
      c.cluster,
      c.node,
      c.facts ? (c.facts.isCA ? "CA" : "leaf") : "-",
      c.facts?.subjectCN ?? `(${c.reason ?? "unreadable"})`,
      where(c),
    ]);
  }
  const out = [renderColumns(rows)];
  const failed = scans.flatMap((s) => s.nodes.filter((n) => !n.ok));
  if (failed.length > 0) {
    out.push("", "NODES NOT SCANNED");
    for (const n of failed)
      if (!n.ok) out.push(`  ${n.cluster}/${n.node}: ${n.error.kind}: ${n.error.message}`);
  }
  const total = certs.length;
  const bad = certs.filter((c) => c.status !== "ok").length;
  out.push(
    "",
    `${total} certificates on ${scans.reduce((a, s) => a + s.nodes.length, 0)} nodes; ${bad} need attention; ${failed.length} nodes not scanned`,
  );
  return out.join("\n");
}
