import type { ClusterReport } from "../certs/report-model.js";
import type { EventsRead } from "../rke2/expiry-events.js";
import type { ChatMessage } from "../shared/chat-port.js";
import type { CertCrossing } from "./plan-alerts.js";
import type { ScannedCluster } from "./scan-run.js";

export interface CertAlertInput {
  cluster: string;
  node: string;
  role: string;
  crossings: CertCrossing[];
  approvers: readonly string[];
  scannedAt: string;
  /** The cluster's dark-API sentence (report model), named above the node's certificates. */
  darkApi?: string;
}

export interface UnreachableAlertInput {
  cluster: string;
  node: string;
  role: string;
  failures: number;
  error: { kind: string; message: string };
  approvers: readonly string[];
  scannedAt: string;
}

/** What a failed chat call tells the job that made it (retry or not is job-decision.ts's rule). */
export interface ChatFailure {
  /** The bot is not in the channel (or cannot see it): tell whoever asked. */
  needsInvite: boolean;
}

/**
 * The messages of scans, daily reports and alerts, built outside the use cases (adapter:
 * slack/scan-messages.ts, Block Kit). The workers publish them through the ChatPort.
 */
export interface ScanMessages {
  /** The answer to `/rke2 certs`, one cluster or several. */
  certsAnswer(
    results: readonly ScannedCluster[],
    node: string | undefined,
    renewalWindowDays: number,
  ): ChatMessage;
  /** The scan threw and will not be retried: what the requester reads (never a secret). */
  scanFailed(err: unknown): ChatMessage;
  /** `date` is the firing's YYYY-MM-DD in the report's time zone. */
  dailyReport(
    report: ClusterReport,
    date: string,
    o: { renewalWindowDays: number; nodeNames: string[]; events: EventsRead },
  ): { top: ChatMessage; thread: ChatMessage[] };
  certAlert(a: CertAlertInput): ChatMessage;
  unreachableAlert(a: UnreachableAlertInput): ChatMessage;
  inviteNeeded(channel: string, what: string): ChatMessage;
  /** `undefined` when the error did not come from the chat adapter. */
  chatFailure(err: unknown): ChatFailure | undefined;
}
