import type { ClusterReport } from "../certs/report-model.js";
import { lowestThreshold, type NodeAlertPlan } from "./plan-alerts.js";

/** CAs live 10 years and nothing renews them: alert a year ahead, then at 180, 90 and 30 days. */
export const DEFAULT_CA_ALERT_DAYS = [365, 180, 90, 30] as const;

/** Once per CA (by fingerprint) and threshold, cluster-wide: the same CA sits on every node. */
export const caCrossingKey = (cluster: string, fingerprint256: string, threshold: number): string =>
  [cluster, "ca", fingerprint256, String(threshold)].join("|");

export const caAdvice = (notAfter: string): string =>
  `CA expires ${notAfter.slice(0, 10)}: restarts and \`rke2 certificate rotate\` do not renew CAs; ` +
  "plan `rke2 certificate rotate-ca --path=<dir>` with the new CA files staged, then restart rke2 on all nodes, servers first";

/**
 * CA-horizon crossings, grouped under the node where each CA was first seen (a server). An expired CA
 * is left to the leaf plan (planCertAlerts), which alerts it on every node like any expired certificate.
 */
export function planCaAlerts(
  report: ClusterReport,
  caAlertDays: readonly number[],
  now: Date,
): NodeAlertPlan[] {
  const byNode = new Map<string, NodeAlertPlan>();
  for (const ca of report.caHorizon ?? []) {
    const threshold = lowestThreshold(ca.notAfter, now, caAlertDays);
    if (threshold === undefined || threshold === "expired") continue;
    const plan = byNode.get(ca.node) ?? {
      cluster: report.cluster,
      node: ca.node,
      role: ca.role,
      crossings: [],
    };
    plan.crossings.push({
      cert: { ...ca.record, role: ca.role, advice: caAdvice(ca.notAfter) },
      threshold,
      key: caCrossingKey(report.cluster, ca.fingerprint256, threshold),
    });
    byNode.set(ca.node, plan);
  }
  return [...byNode.values()];
}
