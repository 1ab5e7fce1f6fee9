import { Queue, type JobsOptions } from "bullmq";
import type { ProblemCert } from "../certs/report-model.js";
import type { AlertThreshold } from "../scan/plan-alerts.js";
import type { QueueContext } from "./connection.js";

export const ALERT_QUEUE = "alert";

/** Every alert job may carry the response_url of the `/rke2 certs` that revealed it. */
interface AlertNotify {
  notify?: { responseUrl: string };
}

export type AlertJobData = AlertNotify &
  (
    | {
        kind: "certs";
        cluster: string;
        node: string;
        role: "server" | "agent";
        scannedAt: string;
        crossings: Array<{ key: string; threshold: AlertThreshold; cert: ProblemCert }>;
        /** The cluster's dark API, when the scan shows one (ClusterReport.darkApi). */
        darkApi?: string;
      }
    | {
        kind: "unreachable";
        cluster: string;
        node: string;
        role: "server" | "agent";
        scannedAt: string;
        failures: number;
        error: { kind: string; message: string };
      }
  );

/**
 * Alerts retry for about an hour (a channel the bot was not invited to yet gets time to be fixed);
 * completed jobs stay a day so their deterministic ids keep deduplicating concurrent scans.
 */
export const ALERT_JOB_OPTS: JobsOptions = {
  attempts: 8,
  backoff: { type: "exponential", delay: 15_000 },
  removeOnComplete: { age: 86_400 },
  removeOnFail: { age: 7 * 86_400 },
};

export function createAlertQueue(ctx: QueueContext): Queue<AlertJobData> {
  return new Queue<AlertJobData>(ALERT_QUEUE, { connection: ctx.connection, prefix: ctx.prefix });
}
