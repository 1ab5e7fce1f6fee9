import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { checkMessageLimits } from "../../src/slack/blocks/limits.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { AGENT_RESTART, find } from "./support/command-log.js";
import { APPROVERS, atGate, createHarness, finished, REQUESTER, type Harness } from "./support/harness.js";

const avail = namespacesAvailable();

describe.skipIf(!avail.ok)(
  "rotation of 3 servers + 60 agents with 8 SSH slots (real sshd, real Redis)",
  () => {
    let sim: SimCluster;
    let h: Harness;

    beforeAll(async () => {
      sim = await startSimCluster({ name: "bigrot", nodes: standardNodes(3, 60) });
      // Fewer slots than nodes: preflight, scans and the health gate must not wait on each other.
      h = await createHarness(sim, inject("redisUrl"), {
        operations: { agentRenewalGraceSeconds: 0.1, pollIntervalSeconds: 0.2 },
        executorOptions: { maxConcurrency: 8, acquireTimeoutMs: 60_000 },
      });
    }, 300_000);
    afterAll(async () => {
      await h?.close();
      await sim?.stop();
    }, 120_000);

    it(
      "posts a plan, runs the three phases to completion, restarts every agent once; every message within Block Kit limits",
      { timeout: 900_000 },
      async () => {
        const t0 = Date.now();
        const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
        expect(req.ok, req.message).toBe(true);
        const id = req.operationId!;
        expect(await h.op(id)).toMatchObject({ status: "awaiting-approval", phase: 0 });
        expect((await h.click(id, "approve")).ok).toBe(true);
        await h.waitFor(id, atGate(1), 300_000);
        expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
        await h.waitFor(id, atGate(2), 300_000);
        expect((await h.click(id, "approve")).ok).toBe(true);
        const op = await h.waitFor(id, finished, 600_000);
        expect(op.status, JSON.stringify(op.failure)).toBe("completed");

        const log = sim.commandLog().filter((e) => e.t >= t0);
        for (const n of sim.nodes.filter((x) => x.role === "agent"))
          expect(find(log, n.name, AGENT_RESTART), n.name).toHaveLength(1);
        for (const c of h.chat.calls()) expect(checkMessageLimits(c.msg), `${c.kind} ${c.ts}`).toEqual([]);
        expect(h.executor.poolStats().busySlots).toBe(0);
      },
    );
  },
);
