import type { ClusterScan } from "../certs/cert-types.js";

/** JSON report: every node and certificate, dates as ISO 8601. Stable field names for scripts. */
export function formatCertsJson(scans: ClusterScan[], exitCode: number): string {
  return JSON.stringify(
    {
      exitCode,
      clusters: scans.map((s) => ({
        cluster: s.cluster,
        scannedAt: s.scannedAt,
        nodes: s.nodes.map((n) =>
          n.ok
            ? {
                node: n.node,
                role: n.role,
                ok: true,
                certificates: n.certs.map((c) => ({
                  path: c.source.path,
                  index: c.source.index,
                  ...(c.source.field ? { field: c.source.field } : {}),
                  status: c.status,
                  ...(c.reason ? { reason: c.reason } : {}),
                  ...(c.facts
                    ? {
                        kind: c.facts.isCA ? "ca" : "leaf",
                        subject: c.facts.subjectCN,
                        subjectO: c.facts.subjectO,
                        issuer: c.facts.issuerCN,
                        serial: c.facts.serial,
                        fingerprintSha256: c.facts.fingerprint256,
                        notBefore: c.facts.notBefore,
                        notAfter: c.facts.notAfter,
                        daysLeft: c.daysLeft,
                        usages: c.facts.usages,
                        sans: c.facts.sans,
                      }
                    : {}),
                })),
                ...(n.crossCheck ? { crossCheck: n.crossCheck } : {}),
              }
            : { node: n.node, role: n.role, ok: false, error: n.error },
        ),
      })),
    },
    null,
    2,
  );
}
