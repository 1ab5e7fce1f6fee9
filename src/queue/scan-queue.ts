import { Queue, type JobsOptions } from "bullmq";
import type { QueueContext } from "./connection.js";

export const SCAN_QUEUE = "scan";

/** A `/rke2 certs` request: what to scan, and where the answer goes. */
export interface ScanJobData {
  cluster?: string;
  node?: string;
  /** The slash command's response_url (valid 30 minutes, 5 uses). */
  responseUrl?: string;
  channelId?: string;
  userId?: string;
  requestedAt: string;
}

export const SCAN_JOB_OPTS: JobsOptions = {
  attempts: 2,
  backoff: { type: "fixed", delay: 2000 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 86_400 },
};

export function createScanQueue(ctx: QueueContext): Queue<ScanJobData> {
  return new Queue<ScanJobData>(SCAN_QUEUE, { connection: ctx.connection, prefix: ctx.prefix });
}

/** What the Slack layer gets: enqueue a scan, nothing else of BullMQ. */
export interface ScanRequests {
  enqueue(data: ScanJobData): Promise<void>;
}

export function scanRequestsOn(queue: Queue<ScanJobData>): ScanRequests {
  return {
    enqueue: async (data) => {
      await queue.add("certs", data, SCAN_JOB_OPTS);
    },
  };
}
