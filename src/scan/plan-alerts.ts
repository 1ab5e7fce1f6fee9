import type { CertRecord } from "../certs/cert-types.js";
import type { ClusterReport, ProblemCert } from "../certs/report-model.js";

/** A certificate crosses a threshold when less than that many days are left, or "expired" when none are. */
export type AlertThreshold = number | "expired";

export interface CertCrossing {
  cert: ProblemCert;
  threshold: AlertThreshold;
  /** Identity of this crossing: (cluster, node, path, index, field, serial, threshold). */
  key: string;
}

/** One alert message: one node's certificates that crossed a threshold not yet alerted for. */
export interface NodeAlertPlan {
  cluster: string;
  node: string;
  role: "server" | "agent";
  crossings: CertCrossing[];
}

const DAY_MS = 86_400_000;

/**
 * The lowest threshold a certificate is under, "expired" once notAfter has passed, or undefined
 * above every threshold. Uses exact time left, not rounded days.
 */
export function lowestThreshold(
  notAfter: string,
  now: Date,
  alertDays: readonly number[],
): AlertThreshold | undefined {
  const left = Date.parse(notAfter) - now.getTime();
  if (left <= 0) return "expired";
  const under = alertDays.filter((d) => left < d * DAY_MS);
  return under.length === 0 ? undefined : Math.min(...under);
}

export function crossingKey(
  c: Pick<CertRecord, "cluster" | "node" | "source" | "facts">,
  threshold: AlertThreshold,
): string {
  const { path, index, field } = c.source;
  return [c.cluster, c.node, path, String(index), field ?? "", c.facts?.serial ?? "", String(threshold)].join(
    "|",
  );
}

/**
 * Every crossing in a report, grouped by node (worst first within a node). Which of them were already
 * alerted is decided against Redis by the caller; this stays pure.
 */
export function planCertAlerts(
  report: ClusterReport,
  alertDays: readonly number[],
  now: Date,
): NodeAlertPlan[] {
  const byNode = new Map<string, NodeAlertPlan>();
  for (const cert of report.problems) {
    if (!cert.facts || cert.status === "unreadable" || cert.status === "not-yet-valid") continue;
    const threshold = lowestThreshold(cert.facts.notAfter, now, alertDays);
    // CAs before expiry have their own, cluster-wide horizon (plan-ca-alerts.ts).
    if (threshold === undefined || (cert.facts.isCA && threshold !== "expired")) continue;
    const plan = byNode.get(cert.node) ?? {
      cluster: report.cluster,
      node: cert.node,
      role: cert.role,
      crossings: [],
    };
    plan.crossings.push({ cert, threshold, key: crossingKey(cert, threshold) });
    byNode.set(cert.node, plan);
  }
  for (const plan of byNode.values()) plan.crossings.sort((a, b) => rank(a.threshold) - rank(b.threshold));
  return [...byNode.values()];
}

const rank = (t: AlertThreshold): number => (t === "expired" ? -1 : t);
