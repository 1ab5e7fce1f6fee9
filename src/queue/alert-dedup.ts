import { stateKey, type QueueContext } from "./connection.js";

/** Crossing keys live this long after their alert was posted; a certificate is replaced well before. */
const SENT_TTL_S = 400 * 86_400;
/** A claim outlives every retry of its job (about 35 minutes), then frees itself if the job vanished. */
const CLAIM_TTL_S = 3 * 3600;

// KEYS: crossing keys. ARGV[1]: "claim:<jobId>". Claims free keys; returns those this job holds.
const CLAIM = `
local held = {}
for i, k in ipairs(KEYS) do
  local ok = redis.call('SET', k, ARGV[1], 'NX', 'EX', ${CLAIM_TTL_S})
  if ok or redis.call('GET', k) == ARGV[1] then table.insert(held, k) end
end
return held`;

// Releases this job's claims that were never marked sent (the job gave up).
const RELEASE = `
local n = 0
for i, k in ipairs(KEYS) do
  if redis.call('GET', k) == ARGV[1] then redis.call('DEL', k); n = n + 1 end
end
return n`;

/**
 * Alert deduplication in Redis, so it survives restarts and holds across replicas. A crossing key
 * is claimed by one job before its message is posted, marked `sent:<ts>` after, and released if the
 * job finally fails (so a later scan tries again: never silently dropped).
 */
export function createAlertDedup(ctx: QueueContext) {
  const r = ctx.connection;
  const sentKey = (crossing: string) => stateKey(ctx, "alert", "sent", crossing);
  const unreachKey = (cluster: string, node: string) => stateKey(ctx, "alert", "unreachable", cluster, node);
  const failKey = (cluster: string, node: string) => stateKey(ctx, "scan", "failures", cluster, node);

  return {
    /** Crossing keys that some job has claimed or already sent. */
    async known(crossings: string[]): Promise<Set<string>> {
      if (crossings.length === 0) return new Set();
      const vals = await r.mget(crossings.map(sentKey));
      return new Set(crossings.filter((_, i) => vals[i] !== null));
    },
    async claim(crossings: string[], jobId: string): Promise<Set<string>> {
      if (crossings.length === 0) return new Set();
      const held = (await r.eval(
        CLAIM,
        crossings.length,
        ...crossings.map(sentKey),
        `claim:${jobId}`,
      )) as string[];
      const heldSet = new Set(held);
      return new Set(crossings.filter((c) => heldSet.has(sentKey(c))));
    },
    async markSent(crossings: string[], ts: string): Promise<void> {
      const m = r.multi();
      for (const c of crossings) m.set(sentKey(c), `sent:${ts}`, "EX", SENT_TTL_S);
      await m.exec();
    },
    async release(crossings: string[], jobId: string): Promise<number> {
      if (crossings.length === 0) return 0;
      return (await r.eval(RELEASE, crossings.length, ...crossings.map(sentKey), `claim:${jobId}`)) as number;
    },
    /** Counts consecutive failed scans of a node; a success resets it (and re-arms the alert). */
    async recordReachability(cluster: string, node: string, ok: boolean): Promise<number> {
      if (ok) {
        await r.del(failKey(cluster, node), unreachKey(cluster, node));
        return 0;
      }
      return r.incr(failKey(cluster, node));
    },
    /** True once per outage: the first caller after the threshold wins. */
    async claimUnreachableAlert(cluster: string, node: string): Promise<boolean> {
      return (await r.set(unreachKey(cluster, node), "1", "NX")) === "OK";
    },
    async releaseUnreachableAlert(cluster: string, node: string): Promise<void> {
      await r.del(unreachKey(cluster, node));
    },
  };
}

export type AlertDedup = ReturnType<typeof createAlertDedup>;
