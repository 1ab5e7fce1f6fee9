/**
 * Issue 16 §4 budgets on the built entry point with a 200-node simulated cluster: RSS idle and at the
 * peak of the scan, and the ack latency of 200 signed `/rke2 certs` sent during it, for the split
 * deployment (ROLE=web + ROLE=worker, two processes, target p99 < 50 ms) and for ROLE=all.
 * Targets: RSS < 150 MB idle, < 250 MB at the peak. Benchmark figures, not a test.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { namespacesAvailable, standardNodes, startSimCluster } from "../test/rig/sim-cluster.js";
import { startFakeSlack } from "../test/support/fake-slack/index.js";
import { startRedis } from "../test/support/redis-server.js";
import { measureDeployment, type DeploymentBudget } from "./support/deployment-budget.js";

const nodes = Number(process.env.BENCH_ACK_NODES ?? 200);
const requests = Number(process.env.BENCH_ACK_REQUESTS ?? 200);
const mb = (xs: number[]) => xs.map((x) => `${x.toFixed(0)} MB`).join(" + ");

const ns = namespacesAvailable();
if (!ns.ok) {
  console.log(`ack latency / RSS benchmark skipped: ${ns.reason}`);
} else {
  const redis = await startRedis();
  const sim = await startSimCluster({ name: "bench", nodes: standardNodes(3, nodes - 3) });
  const fake = await startFakeSlack();
  const inventoryPath = join(sim.dir, "bench-inventory.yaml");
  writeFileSync(inventoryPath, sim.inventoryYaml({ channel: "C0BENCH" }));
  try {
    for (const roles of [["web", "worker"], ["all"]]) {
      const db = new Redis(`${redis.url}/1`);
      await db.flushdb();
      db.disconnect();
      const r: DeploymentBudget = await measureDeployment({
        roles,
        sim,
        inventoryPath,
        fake,
        redisUrl: `${redis.url}/1`,
        requests,
      });
      const name = roles.map((x) => `ROLE=${x}`).join(" + ");
      console.log(
        `${name}: ${nodes}-node scan ${(r.scanMs / 1000).toFixed(1)} s, ${r.duringScan}/${r.requests} acks during it: ` +
          `p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms` +
          `${roles.length > 1 ? " (target p99 < 50 ms)" : ""}; RSS idle ${mb(r.idleRssMb)} (target < 150 MB), ` +
          `peak ${mb(r.peakRssMb)} (target < 250 MB)`,
      );
    }
  } finally {
    await Promise.all([sim.stop(), fake.close()]);
    await redis.stop();
  }
}
