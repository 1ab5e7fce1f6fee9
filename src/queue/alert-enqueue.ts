import { createHash } from "node:crypto";
import type { Queue } from "bullmq";
import type { Clock } from "../shared/clock.js";
import type { Logger } from "../shared/logger.js";
import { planCertAlerts } from "../scan/plan-alerts.js";
import { DEFAULT_CA_ALERT_DAYS, planCaAlerts } from "../scan/plan-ca-alerts.js";
import { ALERT_JOB_OPTS, type AlertJobData } from "./alert-queue.js";
import type { AlertDedup } from "./alert-dedup.js";
import { safeJobId } from "./connection.js";
import type { AlertTrigger } from "../scan/ports.js";

export type { AlertRequester, AlertTrigger } from "../scan/ports.js";

/** Consecutive failed scans after which a node is reported unreachable. */
export const UNREACHABLE_AFTER = 2;

export function createAlertTrigger(deps: {
  queue: Queue<AlertJobData>;
  dedup: AlertDedup;
  alertDays: readonly number[];
  /** Days before a CA expires to alert at (inventory report.caAlertDays). */
  caAlertDays?: readonly number[];
  clock: Clock;
  logger: Logger;
}): AlertTrigger {
  const { queue, dedup } = deps;
  return {
    async afterScan(report, scan, requester) {
      const notify = requester ? { notify: requester } : {};
      const now = deps.clock.now();
      const plans = [
        ...planCertAlerts(report, deps.alertDays, now),
        ...planCaAlerts(report, deps.caAlertDays ?? DEFAULT_CA_ALERT_DAYS, now),
      ];
      for (const plan of plans) {
        const seen = await dedup.known(plan.crossings.map((c) => c.key));
        const fresh = plan.crossings.filter((c) => !seen.has(c.key));
        if (fresh.length === 0) continue;
        const digest = createHash("sha256")
          .update(
            fresh
              .map((c) => c.key)
              .sort()
              .join("\n"),
          )
          .digest("hex")
          .slice(0, 24);
        const data: AlertJobData = {
          kind: "certs",
          cluster: plan.cluster,
          node: plan.node,
          role: plan.role,
          scannedAt: report.scannedAt,
          crossings: fresh,
          ...(report.darkApi ? { darkApi: report.darkApi } : {}),
          ...notify,
        };
        await queue.add("cert-alert", data, { ...ALERT_JOB_OPTS, jobId: safeJobId("certs", digest) });
        deps.logger.info({ cluster: plan.cluster, node: plan.node, crossings: fresh.length }, "alert queued");
      }
      // Every node's counter at once (one round trip for a whole cluster, not one per node).
      const counts = await Promise.all(
        scan.nodes.map((n) => dedup.recordReachability(n.cluster, n.node, n.ok)),
      );
      for (const [i, n] of scan.nodes.entries()) {
        const failures = counts[i]!;
        if (n.ok || failures < UNREACHABLE_AFTER) continue;
        if (!(await dedup.claimUnreachableAlert(n.cluster, n.node))) continue;
        const data: AlertJobData = {
          kind: "unreachable",
          cluster: n.cluster,
          node: n.node,
          role: n.role,
          scannedAt: n.scannedAt,
          failures,
          error: n.error,
          ...notify,
        };
        await queue.add("unreachable-alert", data, {
          ...ALERT_JOB_OPTS,
          jobId: safeJobId("unreachable", n.cluster, n.node, String(Date.parse(n.scannedAt))),
        });
        deps.logger.warn({ cluster: n.cluster, node: n.node, failures }, "node unreachable alert queued");
      }
    },
  };
}
