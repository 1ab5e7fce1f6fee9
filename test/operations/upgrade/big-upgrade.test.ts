import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { checkMessageLimits } from "../../../src/slack/blocks/limits.js";
import { namespacesAvailable, startSimCluster, type SimCluster } from "../../rig/sim-cluster.js";
import { APPROVERS, atGate, finished, REQUESTER, type Harness } from "../support/harness.js";
import { startChannelServer, type ChannelServer } from "./support/channel-server.js";
import { createUpgradeHarness, FROM, TO } from "./support/upgrade-harness.js";

const avail = namespacesAvailable();

describe.skipIf(!avail.ok)(
  "upgrade of 3 servers + 40 agents with 8 SSH slots (real sshd, real Redis)",
  () => {
    let sim: SimCluster;
    let channels: ChannelServer;
    let h: Harness;

    beforeAll(async () => {
      const nodes = [
        ...[1, 2, 3].map((i) => ({ name: `cp-${i}`, role: "server" as const, version: FROM })),
        ...Array.from({ length: 40 }, (_, i) => ({
          name: `agent-${i + 1}`,
          role: "agent" as const,
          version: FROM,
        })),
      ];
      [sim, channels] = await Promise.all([startSimCluster({ name: "bigupg", nodes }), startChannelServer()]);
      h = await createUpgradeHarness(sim, inject("redisUrl"), {
        channelUrl: channels.url,
        operations: { agentConcurrency: 10 },
        executorOptions: { maxConcurrency: 8, acquireTimeoutMs: 60_000 },
      });
    }, 300_000);
    afterAll(async () => {
      await h?.close();
      await sim?.stop();
      await channels?.close();
    }, 120_000);

    it(
      "takes every node to the target (the agent roll past the 30th node included); every message within Block Kit limits",
      { timeout: 900_000 },
      async () => {
        const req = await h.ops.request("upgrade", sim.name, [TO], { userId: REQUESTER });
        expect(req.ok, req.message).toBe(true);
        const id = req.operationId!;
        expect((await h.click(id, "approve")).ok).toBe(true);
        await h.waitFor(id, atGate(1), 300_000);
        expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
        await h.waitFor(id, atGate(2), 300_000);
        expect((await h.click(id, "approve")).ok).toBe(true);
        const op = await h.waitFor(id, finished, 600_000);
        expect(op.status, JSON.stringify(op.failure)).toBe("completed");
        for (const n of sim.nodes)
          expect(sim.nodeState(n.name), n.name).toMatchObject({
            installedVersion: TO,
            runningVersion: TO,
            cordoned: false,
          });
        for (const c of h.chat.calls()) expect(checkMessageLimits(c.msg), `${c.kind} ${c.ts}`).toEqual([]);
        expect(h.executor.poolStats().busySlots).toBe(0);
      },
    );
  },
);
