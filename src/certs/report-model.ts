import type { CaHorizonEntry } from "./ca-horizon.js";
import type { CertRecord, CertStatus } from "./cert-types.js";

/** Severity order, worst first; used for sorting everywhere (CLI, Slack, alerts). */
export const STATUS_ORDER: CertStatus[] = [
  "expired",
  "unreadable",
  "not-yet-valid",
  "critical",
  "san-mismatch",
  "renewal-window",
  "ok",
];

export interface ProblemCert extends CertRecord {
  role: "server" | "agent";
  /** What the operator should do, in one sentence. */
  advice: string;
}

export interface UnreachableNode {
  node: string;
  role: "server" | "agent";
  kind: string;
  message: string;
}

export interface ClusterReport {
  cluster: string;
  scannedAt: string;
  /** Leaf problems and CA problems, worst first. */
  problems: ProblemCert[];
  unreachable: UnreachableNode[];
  /** Set when the scan shows a dark API: "the admin certificate expired 5 days ago on every server". */
  darkApi?: string;
  counts: Record<CertStatus, number>;
  /** Leaves only: soonest expiry among readable leaf certificates. */
  soonestLeaf?: { node: string; path: string; notAfter: string; daysLeft: number };
  /** Distinct CAs (by fingerprint), soonest expiry first: the report header names the first. */
  caHorizon?: CaHorizonEntry[];
  totals: { nodes: number; nodesScanned: number; certificates: number; leaves: number; cas: number };
  /** Scanned nodes without any problem, in inventory order (named by the one-line healthy summary). */
  healthyNodes?: string[];
}
