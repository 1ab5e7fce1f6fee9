import type { CertStatus, ClassifyPolicy, ClusterScan } from "./cert-types.js";
import { adviceFor } from "./advice.js";
import { caHorizon } from "./ca-horizon.js";
import { darkApiFromScan } from "./dark-api.js";
import { STATUS_ORDER, type ClusterReport, type ProblemCert } from "./report-model.js";

const rank = (s: CertStatus) => STATUS_ORDER.indexOf(s);

/** Turn one cluster's scan into the report model every renderer uses: problems worst first. */
export function buildClusterReport(scan: ClusterScan, _policy: ClassifyPolicy, now: Date): ClusterReport {
  const counts = Object.fromEntries(STATUS_ORDER.map((s) => [s, 0])) as Record<CertStatus, number>;
  const problems: ProblemCert[] = [];
  let leaves = 0;
  let cas = 0;
  let soonest: ClusterReport["soonestLeaf"];
  for (const n of scan.nodes) {
    if (!n.ok) continue;
    for (const c of n.certs) {
      counts[c.status]++;
      if (c.facts?.isCA) cas++;
      else leaves++;
      if (
        c.facts &&
        !c.facts.isCA &&
        c.daysLeft !== undefined &&
        (!soonest || c.daysLeft < soonest.daysLeft)
      ) {
        soonest = { node: c.node, path: c.source.path, notAfter: c.facts.notAfter, daysLeft: c.daysLeft };
      }
      if (c.status !== "ok") problems.push({ ...c, role: n.role, advice: adviceFor(c, n.role) });
    }
  }
  problems.sort(
    (a, b) =>
      rank(a.status) - rank(b.status) ||
      (a.daysLeft ?? -Infinity) - (b.daysLeft ?? -Infinity) ||
      a.node.localeCompare(b.node) ||
      a.source.path.localeCompare(b.source.path),
  );
  const unreachable = scan.nodes.flatMap((n) =>
    n.ok ? [] : [{ node: n.node, role: n.role, kind: n.error.kind, message: n.error.message }],
  );
  const nodeCerts = scan.nodes.map((n) => ({
    node: n.node,
    role: n.role,
    certs: n.ok ? n.certs : undefined,
  }));
  // One node seen is not the whole API: a single server's expired admin cert shows as its own rows.
  const dark = scan.partial ? undefined : darkApiFromScan(nodeCerts, now);
  return {
    cluster: scan.cluster,
    scannedAt: scan.scannedAt,
    problems,
    unreachable,
    ...(dark ? { darkApi: dark.sentence } : {}),
    counts,
    soonestLeaf: soonest,
    caHorizon: caHorizon(nodeCerts),
    healthyNodes: scan.nodes
      .filter((n) => n.ok && !problems.some((p) => p.node === n.node))
      .map((n) => n.node),
    totals: {
      nodes: scan.nodes.length,
      nodesScanned: scan.nodes.filter((n) => n.ok).length,
      certificates: leaves + cas,
      leaves,
      cas,
    },
  };
}
