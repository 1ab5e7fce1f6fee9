import type { NodeSpec } from "../config/inventory.js";
import { AppError } from "../shared/app-error.js";
import { readCertFilesCommand, parseTailErrors, parseTailOutput } from "./read-cert-files.js";
import type { NodeSession } from "../ssh/ssh-executor.js";
import { diagnoseSudo } from "../ssh/sudo-diagnosis.js";
import type { CertRecord, ClassifyPolicy } from "../certs/cert-types.js";
import { extractCerts } from "../certs/extract-certs.js";
import { classifyCert, daysLeft } from "../certs/classify.js";
import { isServingCert, missingSans } from "../certs/san-check.js";

/** Raised when a node answers but holds no RKE2 certificates at all. */
export class NoCertificatesError extends AppError<"no-certificates"> {
  readonly kind = "no-certificates";
  readonly code = "no-certificates";
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

/** Raised when the node's output passed the executor's output cap: what arrived is not all there is. */
export class IncompleteScanError extends AppError<"incomplete"> {
  readonly kind = "incomplete";
  readonly code = "incomplete";
  constructor(message: string) {
    // The same node gives the same amount of output next time.
    super(message, { retryable: false });
  }
}

/** Read and parse every certificate of one node in a single round trip; classify each. */
export async function readNodeCerts(
  session: NodeSession,
  policy: ClassifyPolicy,
  now: Date,
): Promise<CertRecord[]> {
  // readOnly: on a kept connection it may run in the kept shell (a warm re-scan forks far less).
  const res = await session.run(readCertFilesCommand(), { timeoutMs: 60_000, readOnly: true });
  const node = session.node;
  // sudo's own refusal would otherwise read as "no RKE2 certificates found".
  const sudo = diagnoseSudo(node, res);
  if (sudo) throw sudo;
  // A cut listing would silently drop certificates (and cut one mid-PEM): the node counts as not scanned.
  if (res.truncated)
    throw new IncompleteScanError(
      `scan incomplete: the certificate files of ${node.name} passed the SSH output cap and were cut, so some certificates were not read (unexpected files under ${node.role === "server" ? "/var/lib/rancher/rke2/server/tls" : "/var/lib/rancher/rke2/agent"}?)`,
    );
  const files = parseTailOutput(res.stdout);
  const records: CertRecord[] = [];
  for (const f of files) {
    for (const c of extractCerts(f.path, f.content)) {
      records.push(toRecord(node, c.source, c.facts, c.reason, policy, now));
    }
  }
  for (const [path, why] of parseTailErrors(res.stderr)) {
    records.push(toRecord(node, { path, index: 0 }, undefined, `cannot read file: ${why}`, policy, now));
  }
  if (records.length === 0) {
    const where = node.role === "server" ? "/var/lib/rancher/rke2/server/tls" : "/var/lib/rancher/rke2/agent";
    throw new NoCertificatesError(
      `no RKE2 certificates found on ${node.name} under ${where} (is RKE2 installed, and is the role "${node.role}" right?)`,
    );
  }
  return records;
}

function toRecord(
  node: NodeSpec,
  source: CertRecord["source"],
  facts: CertRecord["facts"],
  reason: string | undefined,
  policy: ClassifyPolicy,
  now: Date,
): CertRecord {
  const base = { cluster: node.cluster, node: node.name, source };
  if (!facts) return { ...base, status: "unreadable", reason: reason ?? "unreadable" };
  let status = classifyCert(facts, policy, now);
  let why: string | undefined;
  if (
    (status === "ok" || status === "renewal-window") &&
    !facts.isCA &&
    source.index === 0 &&
    isServingCert(source.path)
  ) {
    const missing = missingSans(facts, { name: node.name, host: node.ssh.host });
    if (missing.length > 0) {
      status = "san-mismatch";
      why = `subject alternative names do not cover ${missing.join(", ")}`;
    }
  }
  return { ...base, facts, status, daysLeft: daysLeft(facts.notAfter, now), ...(why ? { reason: why } : {}) };
}
