import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scanInventory } from "../../src/scan/scan-inventory.js";
import { loadInventory } from "../../src/config/load-inventory.js";
import { systemClock } from "../../src/shared/clock.js";
import { createSsh2Executor } from "../../src/ssh/ssh2-executor.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";

const ns = namespacesAvailable();

describe.skipIf(!ns.ok)("a 200-node cluster (real sshd)", () => {
  let sim: SimCluster;

  beforeAll(async () => {
    sim = await startSimCluster({ name: "big", nodes: standardNodes(3, 197) });
  }, 600_000);
  afterAll(async () => sim?.stop(), 120_000);

  it(
    "scans every node with 8 SSH slots (nodes far more than slots): no deadlock, nothing left open",
    { timeout: 300_000 },
    async () => {
      const inv = loadInventory(sim.writeInventory());
      const executor = createSsh2Executor({ maxConcurrency: 8, keepAliveMs: 60_000, connectAttempts: 2 });
      try {
        const [scan] = await scanInventory(
          { ...inv, ssh: { maxConcurrency: 8 } },
          { executor, clock: systemClock },
        );
        expect(scan!.nodes).toHaveLength(200);
        expect(scan!.nodes.filter((n) => !n.ok).map((n) => n.node)).toEqual([]);
        expect(executor.poolStats()).toMatchObject({ busySlots: 0, open: 200, idle: 200 });
      } finally {
        await executor.close();
      }
      expect(executor.poolStats().open).toBe(0);
    },
  );
});
