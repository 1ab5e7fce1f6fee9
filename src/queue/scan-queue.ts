import { Queue, type JobsOptions } from "bullmq";
import type { QueueContext } from "./connection.js";
import { finishScan, joinOrStartScan, takeScanBudget } from "./scan-admission.js";

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

/** What became of a request: queued a scan, joined the one running, over the user's budget, or Redis down. */
export type ScanAdmission =
  | { kind: "queued" | "joined"; jobId: string }
  | { kind: "limited"; retryAfterSeconds: number }
  | { kind: "unavailable" };

/** What the Slack layer gets: ask for a scan, nothing else of BullMQ. */
export interface ScanRequests {
  enqueue(data: ScanJobData): Promise<ScanAdmission>;
}

export function scanRequestsOn(
  queue: Queue<ScanJobData>,
  ctx: QueueContext,
  limits: { scansPerUserPerMinute: number },
): ScanRequests {
  return {
    enqueue: async (data) => {
      // Commands would wait through an outage; the slash command must be acknowledged now.
      if (ctx.connection.status !== "ready") return { kind: "unavailable" };
      if (data.userId) {
        const budget = await takeScanBudget(ctx, data.userId, limits.scansPerUserPerMinute);
        if (!budget.ok) return { kind: "limited", retryAfterSeconds: budget.retryAfterSeconds };
      }
      if (!data.responseUrl) {
        await queue.add("certs", data, SCAN_JOB_OPTS);
        return { kind: "queued", jobId: "" };
      }
      const scope = {
        ...(data.cluster ? { cluster: data.cluster } : {}),
        ...(data.node ? { node: data.node } : {}),
      };
      const run = await joinOrStartScan(ctx, scope, data.responseUrl);
      if (run.joined) return { kind: "joined", jobId: run.jobId };
      try {
        await queue.add("certs", data, { ...SCAN_JOB_OPTS, jobId: run.jobId });
      } catch (err) {
        await finishScan(ctx, scope, run.jobId).catch(() => undefined);
        throw err;
      }
      return { kind: "queued", jobId: run.jobId };
    },
  };
}
