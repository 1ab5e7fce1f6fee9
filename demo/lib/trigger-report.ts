// One firing of the bot's daily report, now, through the bot's own report queue in Redis: exactly the
// job its scheduler adds at 08:00, so the demo shows a report at start without waiting a day.
import { createRedis, DEFAULT_PREFIX } from "../../src/queue/connection.js";
import { createReportQueue, DAILY_REPORT_SCHEDULER, FIRING_JOB_OPTS } from "../../src/queue/report-queue.js";

export async function triggerDailyReport(redisUrl: string, now: number = Date.now()): Promise<void> {
  const connection = createRedis(redisUrl, "rke2-chatops-demo");
  const queue = createReportQueue({ connection, prefix: DEFAULT_PREFIX });
  try {
    await queue.add(
      DAILY_REPORT_SCHEDULER,
      { kind: "firing", firingMs: now },
      { ...FIRING_JOB_OPTS, jobId: `demo-firing-${now}` },
    );
  } finally {
    await queue.close();
    await connection.quit().catch(() => connection.disconnect());
  }
}
