import type { CertRecord } from "./cert-types.js";

/** One distinct CA of a cluster (by fingerprint), wherever it was found. */
export interface CaHorizonEntry {
  subjectCN: string;
  fingerprint256: string;
  serial: string;
  notAfter: string;
  daysLeft: number;
  /** The first place it was seen (a server first), to name in the report. */
  node: string;
  role: "server" | "agent";
  path: string;
  /** How many nodes hold it. */
  nodes: number;
  /** The record at that place (what an alert shows). */
  record: CertRecord;
}

/**
 * The cluster's CAs, soonest expiry first. CAs live 10 years and no restart or rotate renews them, so
 * the report shows the soonest one and alerts a year ahead (`rke2 certificate rotate-ca`).
 */
export function caHorizon(
  nodes: readonly { node: string; role: "server" | "agent"; certs?: readonly CertRecord[] }[],
): CaHorizonEntry[] {
  const byFp = new Map<string, CaHorizonEntry & { seen: Set<string> }>();
  const ordered = [...nodes.filter((n) => n.role === "server"), ...nodes.filter((n) => n.role !== "server")];
  for (const n of ordered) {
    for (const c of n.certs ?? []) {
      const f = c.facts;
      if (!f?.isCA || c.daysLeft === undefined) continue;
      const e = byFp.get(f.fingerprint256) ?? {
        subjectCN: f.subjectCN,
        fingerprint256: f.fingerprint256,
        serial: f.serial,
        notAfter: f.notAfter,
        daysLeft: c.daysLeft,
        node: n.node,
        role: n.role,
        path: c.source.path,
        nodes: 0,
        record: c,
        seen: new Set<string>(),
      };
      // Name the CA by its own file (first PEM block) rather than a bundle that carries it.
      if (e.record.source.index > 0 && c.source.index === 0 && (n.role === "server" || e.role !== "server"))
        Object.assign(e, { node: n.node, role: n.role, path: c.source.path, record: c });
      if (!e.seen.has(n.node)) {
        e.seen.add(n.node);
        e.nodes++;
      }
      byFp.set(f.fingerprint256, e);
    }
  }
  return [...byFp.values()]
    .map(({ seen: _seen, ...e }) => e)
    .sort(
      (a, b) => Date.parse(a.notAfter) - Date.parse(b.notAfter) || a.subjectCN.localeCompare(b.subjectCN),
    );
}
