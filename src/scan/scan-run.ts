import { buildClusterReport } from "../certs/build-report.js";
import type { ClusterScan } from "../certs/cert-types.js";
import type { ClusterReport } from "../certs/report-model.js";
import { scanInventory } from "./scan-inventory.js";
import type { Inventory } from "../config/inventory.js";
import type { Clock } from "../shared/clock.js";
import type { Logger } from "../shared/logger.js";
import type { SshExecutor } from "../ssh/ssh-executor.js";
import type { AlertRequester, AlertTrigger, ScanSink } from "./ports.js";

export interface ScanRunDeps {
  inventory: Inventory;
  executor: SshExecutor;
  store: ScanSink;
  alerts: AlertTrigger;
  clock: Clock;
  logger: Logger;
  /** Nodes scanned at once within one scan. */
  concurrency?: number;
}

export interface ScannedCluster {
  scan: ClusterScan;
  report: ClusterReport;
}

/**
 * Every scan, whatever asked for it, goes through here: scan over SSH, keep the result for
 * /metrics, build the report, queue the alerts it reveals.
 */
export async function runScans(
  deps: ScanRunDeps,
  opts: { cluster?: string; node?: string; signal?: AbortSignal; requester?: AlertRequester } = {},
): Promise<ScannedCluster[]> {
  const { inventory: inv } = deps;
  const { requester, ...scanOpts } = opts;
  const scans = await scanInventory(
    inv,
    { executor: deps.executor, clock: deps.clock, logger: deps.logger },
    { ...scanOpts, concurrency: deps.concurrency },
  );
  const policy = { renewalWindowDays: inv.report.renewalWindowDays, alertDays: inv.report.alertDays };
  const out: ScannedCluster[] = [];
  for (const scan of scans) {
    const report = buildClusterReport(scan, policy, deps.clock.now());
    // Independent Redis work, side by side: the answer waits for the slower of the two, not both.
    const [saved] = await Promise.allSettled([
      deps.store.save(scan),
      deps.alerts.afterScan(report, scan, requester).catch((err: unknown) => {
        // The answer still goes out; the next scan re-plans the same alerts (deduplicated).
        deps.logger.error({ cluster: scan.cluster, err }, "could not queue alerts for this scan");
      }),
    ]);
    if (saved.status === "rejected") throw saved.reason;
    out.push({ scan, report });
  }
  return out;
}
