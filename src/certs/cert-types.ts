/** Parsed facts of one X.509 certificate as read from a node. Dates are ISO 8601 strings. */
export interface CertFacts {
  subjectCN: string;
  subjectO: string[];
  issuerCN: string;
  /** First value of each name attribute, "" when absent (the exporter's subject_* / issuer_* labels). */
  subject?: DnFields;
  issuer?: DnFields;
  /** Lowercase hex without leading zeros, as openssl prints it (the metrics print it in decimal). */
  serial: string;
  /** SHA-256 of the DER, lowercase hex. */
  fingerprint256: string;
  /** SHA-256 of the SubjectPublicKeyInfo DER, lowercase hex: tells a renewal that kept its key. */
  publicKeySha256?: string;
  sans: { dns: string[]; ip: string[] };
  notBefore: string;
  notAfter: string;
  /** Subset of CertSign, ServerAuth, ClientAuth (as `rke2 certificate check` prints them). */
  usages: string[];
  isCA: boolean;
}

export interface DnFields {
  C: string;
  ST: string;
  L: string;
  O: string;
  OU: string;
  CN: string;
}

export type CertStatus =
  "ok" | "renewal-window" | "critical" | "expired" | "not-yet-valid" | "unreadable" | "san-mismatch";

/** Where a certificate came from: a file (bundle position) or a kubeconfig user entry. */
export interface CertSource {
  path: string;
  /** 0-based position of the PEM block in the file (a .crt holds leaf + CA chain). */
  index: number;
  /** For kubeconfigs: "users[0].user.client-certificate-data". */
  field?: string;
  /** For kubeconfigs: the entry, as the exporter labels it (embedded_kind, embedded_key = entry name). */
  embedded?: { kind: "user" | "cluster"; key: string };
}

export interface CertRecord {
  cluster: string;
  node: string;
  source: CertSource;
  /** Absent when unreadable. */
  facts?: CertFacts;
  status: CertStatus;
  /** Whole days left (negative when expired); absent when unreadable. */
  daysLeft?: number;
  /** Why it is unreadable or mismatched. */
  reason?: string;
}

export interface NodeScanOk {
  cluster: string;
  node: string;
  role: "server" | "agent";
  ok: true;
  scannedAt: string;
  certs: CertRecord[];
  /** Parsed `rke2 certificate check --output table` rows, as a cross-check; absent if unavailable. */
  crossCheck?: { rows: CheckTableRow[]; error?: string };
}

export interface NodeScanFailed {
  cluster: string;
  node: string;
  role: "server" | "agent";
  ok: false;
  scannedAt: string;
  error: { kind: string; message: string };
}

export type NodeScan = NodeScanOk | NodeScanFailed;

export interface ClusterScan {
  cluster: string;
  scannedAt: string;
  nodes: NodeScan[];
  /** Only some of the cluster's nodes were asked for (`/rke2 certs <cluster> <node>`). */
  partial?: true;
}

/** One row of `rke2 certificate check --output table`. */
export interface CheckTableRow {
  filename: string;
  subject: string;
  usages: string[];
  expires: string;
  residual: string;
  status: "OK" | "WARNING" | "EXPIRED" | "NOT YET VALID";
}

export interface ClassifyPolicy {
  renewalWindowDays: number;
  alertDays: number[];
}
