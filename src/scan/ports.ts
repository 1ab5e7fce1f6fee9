import type { ClusterScan } from "../certs/cert-types.js";
import type { ClusterReport } from "../certs/report-model.js";

/** Who ran the scan, when someone did: told if an alert cannot be posted (bot not in the channel). */
export interface AlertRequester {
  responseUrl: string;
}

/** Adapter: queue/alert-enqueue.ts (deduplicated BullMQ alert jobs). */
export interface AlertTrigger {
  /** Called after every scan (scheduled or /rke2 certs): queues the alerts this scan reveals. */
  afterScan(report: ClusterReport, scan: ClusterScan, requester?: AlertRequester): Promise<void>;
}

/** Where every scan result is kept for /metrics (adapter: queue/scan-store.ts over Redis). */
export interface ScanSink {
  save(scan: ClusterScan): Promise<void>;
}
