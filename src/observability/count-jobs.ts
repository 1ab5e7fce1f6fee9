import type { Job, Worker } from "bullmq";
import type { BotMetrics } from "./metrics.js";

/** Count a worker's finished jobs by outcome: completed, retrying (attempts left) or failed. */
export function countJobs(worker: Worker, queue: string, metrics: Pick<BotMetrics, "jobs">): void {
  worker.on("completed", () => metrics.jobs.inc({ queue, outcome: "completed" }));
  worker.on("failed", (job) => {
    metrics.jobs.inc({ queue, outcome: job && !isFinalFailure(job) ? "retrying" : "failed" });
  });
}

/** BullMQ sets finishedOn only when a failed job will not be retried (attempts used up, or unrecoverable). */
export const isFinalFailure = (job: Job): boolean => Boolean(job.finishedOn);
