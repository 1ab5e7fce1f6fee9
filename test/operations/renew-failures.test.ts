import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { cmd, find, MUTATING, ROTATE } from "./support/command-log.js";
import { APPROVERS, atGate, createHarness, finished, REQUESTER, type Harness } from "./support/harness.js";
import { hostLeaves } from "./support/host-certs.js";
import { buttonsOf, textOf } from "./support/recording-chat.js";

const avail = namespacesAvailable();
const SERVER_RESTART = /^systemctl restart rke2-server$/;
const DUE = "server/tls/client-scheduler.crt";

describe.skipIf(!avail.ok)(
  "renewal by restart: a restart that does not renew halts; Retry restarts again",
  () => {
    let sim: SimCluster;
    let h: Harness;

    beforeAll(async () => {
      const nodes = standardNodes(2, 0);
      for (const n of nodes) n.certs = { overrides: { [DUE]: { notAfterDays: 30 } } };
      sim = await startSimCluster({ name: "renewfail", nodes });
      h = await createHarness(sim, inject("redisUrl"));
    });
    afterAll(async () => {
      await h?.close();
      await sim?.stop();
    });

    it(
      "halts on cp-1 naming the unrenewed file, cp-2 untouched; after the fix Retry restarts cp-1 once more and completes",
      { timeout: 180_000 },
      async () => {
        sim.setKnob("cp-1", "start-leaves-unchanged", DUE);
        const req = await h.ops.request("renew", sim.name, [], { userId: REQUESTER });
        expect(req.ok, req.message).toBe(true);
        const id = req.operationId!;
        expect((await h.click(id, "approve")).ok).toBe(true);
        await h.waitFor(id, atGate(1));
        const t1 = Date.now();
        expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
        const halted = await h.waitFor(id, (o) => o.status === "halted");
        expect(halted.failure).toMatchObject({ node: "cp-1", step: "verify-renewed" });
        expect(halted.failure!.message).toContain("client-scheduler.crt");
        expect(halted.failure!.message).toContain("unchanged");
        let log = sim.commandLog().filter((e) => e.t >= t1);
        expect(find(log, "cp-2", MUTATING).map(cmd)).toEqual([]);
        expect(find(log, "cp-1", SERVER_RESTART)).toHaveLength(1);
        expect(sim.nodeState("cp-1").service).toBe("active");
        // The ledger says halted just before the main message is updated: wait for the update, not race it.
        const keys = () => [...buttonsOf(h.chat.latest(halted.message!.ts)).keys()];
        for (const end = Date.now() + 15_000; !keys().includes("retry") && Date.now() < end;)
          await new Promise((r) => setTimeout(r, 50));
        expect(keys()).toEqual(["retry", "abort"]);

        sim.setKnob("cp-1", "start-leaves-unchanged", null);
        const before = hostLeaves(sim.nodes[0]!).get(DUE)!;
        expect((await h.click(id, "retry", APPROVERS[1])).ok).toBe(true);
        const done = await h.waitFor(id, finished);
        expect(done.status, JSON.stringify(done.failure)).toBe("completed");
        log = sim.commandLog().filter((e) => e.t >= t1);
        expect(find(log, "cp-1", SERVER_RESTART)).toHaveLength(2);
        expect(find(log, "cp-2", SERVER_RESTART)).toHaveLength(1);
        expect(find(log, "cp-2", SERVER_RESTART)[0]!.t).toBeGreaterThan(
          find(log, "cp-1", SERVER_RESTART)[1]!.tEnd!,
        );
        expect(find(log, undefined, ROTATE)).toEqual([]);
        expect(hostLeaves(sim.nodes[0]!).get(DUE)!.serial).not.toBe(before.serial);
        expect(textOf((await h.threadWith(done.message!.ts, `${id} complete`)).at(-1))).toContain(
          `${id} complete`,
        );
      },
    );
  },
);
