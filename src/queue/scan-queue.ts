import { Queue, type JobsOptions } from "bullmq";
import type { QueueContext } from "./connection.js";
import { admitScan, finishScan } from "./scan-admission.js";
import type { ScanJobData, ScanRequests } from "../scan/scan-requests.js";

export type { ScanAdmission, ScanJobData, ScanRequests } from "../scan/scan-requests.js";

export const SCAN_QUEUE = "scan";

export const SCAN_JOB_OPTS: JobsOptions = {
  attempts: 2,
  backoff: { type: "fixed", delay: 2000 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 86_400 },
};

export function createScanQueue(ctx: QueueContext): Queue<ScanJobData> {
  return new Queue<ScanJobData>(SCAN_QUEUE, { connection: ctx.connection, prefix: ctx.prefix });
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
      const scope = {
        ...(data.cluster ? { cluster: data.cluster } : {}),
        ...(data.node ? { node: data.node } : {}),
      };
      // Budget and join in one round trip: the slash command's ack waits on it.
      const a = await admitScan(ctx, scope, {
        ...(data.userId ? { budget: { userId: data.userId, perMinute: limits.scansPerUserPerMinute } } : {}),
        ...(data.responseUrl ? { responseUrl: data.responseUrl } : {}),
      });
      if (a.kind === "limited" || a.kind === "joined") return a;
      if (a.kind === "admitted") {
        await queue.add("certs", data, SCAN_JOB_OPTS);
        return { kind: "queued", jobId: "" };
      }
      // The scope is registered as this job: a failed add frees it again.
      try {
        await queue.add("certs", data, { ...SCAN_JOB_OPTS, jobId: a.jobId });
      } catch (err) {
        await finishScan(ctx, scope, a.jobId).catch(() => undefined);
        throw err;
      }
      return { kind: "queued", jobId: a.jobId };
    },
  };
}
