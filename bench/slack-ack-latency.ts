/**
 * Issue 3's benchmark: ack latency of 200 signed `/rke2 certs` requests while a 50-node scan runs,
 * on the real entry point (ROLE=all) in a child process. Target: p99 under 50 ms.
 */
import { namespacesAvailable } from "../test/rig/sim-cluster.js";
import { measureAckLatency } from "../test/slack/helpers/measure-ack-latency.js";
import { startRedis } from "../test/support/redis-server.js";

const ns = namespacesAvailable();
if (!ns.ok) {
  console.log(`ack latency benchmark skipped: ${ns.reason}`);
} else {
  const redis = await startRedis();
  try {
    const r = await measureAckLatency({ redisUrl: `${redis.url}/1`, nodes: 50, requests: 200 });
    console.log(
      `ack latency (ROLE=${r.role}, ${r.nodes}-node scan running, ${r.duringScan}/${r.requests} requests during it): ` +
        `p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms (target p99 < 50 ms)`,
    );
  } finally {
    await redis.stop();
  }
}
