import type { CertRecord, ClusterScan, NodeScan } from "../../../src/certs/cert-types.js";
import { classifyCert, daysLeft } from "../../../src/certs/classify.js";

export const POLICY = { renewalWindowDays: 120, alertDays: [30, 14, 7, 3, 1] };
const DAY = 86_400_000;

const SERVER_FILES = [
  "/var/lib/rancher/rke2/server/tls/client-admin.crt",
  "/var/lib/rancher/rke2/server/tls/client-kube-apiserver.crt",
  "/var/lib/rancher/rke2/server/tls/serving-kube-apiserver.crt",
  "/var/lib/rancher/rke2/server/tls/etcd/server-client.crt",
  "/var/lib/rancher/rke2/server/tls/etcd/peer-server-client.crt",
  "/var/lib/rancher/rke2/agent/serving-kubelet.crt",
  "/var/lib/rancher/rke2/agent/client-kubelet.crt",
];

/** A certificate record as the scanner would produce it, `days` from `now`. */
export function certRecord(
  cluster: string,
  node: string,
  path: string,
  days: number,
  now: Date,
  o: { index?: number; serial?: string; isCA?: boolean } = {},
): CertRecord {
  const facts = {
    subjectCN: path.split("/").pop()!.replace(".crt", ""),
    subjectO: [],
    issuerCN: o.isCA ? "self" : "rke2-server-ca@1700000000",
    serial: o.serial ?? `${node}-${path}-${days}`.replace(/[^a-z0-9]/g, "").slice(0, 30),
    fingerprint256: "00",
    sans: { dns: [], ip: [] },
    notBefore: new Date(now.getTime() - 200 * DAY).toISOString(),
    notAfter: new Date(now.getTime() + days * DAY).toISOString(),
    usages: ["ClientAuth"],
    isCA: o.isCA ?? false,
  };
  return {
    cluster,
    node,
    source: { path, index: o.index ?? 0 },
    facts,
    status: classifyCert(facts, POLICY, now),
    daysLeft: daysLeft(facts.notAfter, now),
  };
}

/**
 * A cluster of `nodes` nodes; `daysFor(node, file)` decides each certificate's remaining days
 * (default 300: healthy). `unreachable` names nodes whose scan failed.
 */
export function syntheticScan(o: {
  cluster?: string;
  nodes: number;
  now: Date;
  daysFor?: (node: number, file: number) => number;
  unreachable?: number[];
  unreadable?: number[];
}): ClusterScan {
  const cluster = o.cluster ?? "prod";
  const nodes: NodeScan[] = Array.from({ length: o.nodes }, (_, i) => {
    const name = i < 3 ? `${cluster}-server-${i + 1}` : `${cluster}-agent-${i - 2}`;
    const role = i < 3 ? ("server" as const) : ("agent" as const);
    const scannedAt = o.now.toISOString();
    if (o.unreachable?.includes(i))
      return {
        cluster,
        node: name,
        role,
        ok: false,
        scannedAt,
        error: { kind: "unreachable", message: `connect ECONNREFUSED 10.0.0.${i}:22` },
      };
    const certs = SERVER_FILES.map((f, j) => certRecord(cluster, name, f, o.daysFor?.(i, j) ?? 300, o.now));
    if (o.unreadable?.includes(i))
      certs.push({
        cluster,
        node: name,
        source: { path: "/var/lib/rancher/rke2/agent/client-kube-proxy.crt", index: 0 },
        status: "unreadable",
        reason: "failed to find any PEM data",
      });
    return { cluster, node: name, role, ok: true, scannedAt, certs };
  });
  return { cluster, scannedAt: o.now.toISOString(), nodes };
}
