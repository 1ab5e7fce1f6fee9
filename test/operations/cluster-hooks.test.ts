import { createServer, type Server } from "node:http";
import { Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { clusterHooks } from "../../src/operations/hooks/cluster-hooks.js";
import { withWindowNotice } from "../../src/operations/hooks/window-notice.js";
import { namespacesAvailable, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { ShiftedClock } from "../support/shifted-clock.js";
import { cmd, commandsSince, find, MUTATING, ROTATE } from "./support/command-log.js";
import { APPROVERS, atGate, createHarness, REQUESTER, type Harness } from "./support/harness.js";

const avail = namespacesAvailable();

describe.skipIf(!avail.ok)("maintenance windows and application checks on a real rotation", () => {
  let sim: SimCluster;
  let h: Harness;
  let app: Server;
  let appStatus = 200;
  let appUrl = "";

  beforeAll(async () => {
    sim = await startSimCluster({
      name: "hooks",
      nodes: [
        { name: "cp-1", role: "server" },
        { name: "cp-2", role: "server" },
        { name: "agent-1", role: "agent" },
      ],
    });
    app = createServer((_req, res) => res.writeHead(appStatus).end());
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    appUrl = `http://127.0.0.1:${(app.address() as { port: number }).port}/healthz`;
  });
  afterEach(async () => h?.close());
  afterAll(async () => {
    await sim?.stop();
    await new Promise<void>((r) => app.close(() => r()));
  });

  it(
    "an operation approved outside its window touches no node until the window opens, then continues without a new approval",
    { timeout: 180_000 },
    async () => {
      // Monday 10:00 UTC; the window is Saturday 02:00-04:00 UTC.
      const clock = new ShiftedClock(new Date("2026-11-23T10:00:00Z"));
      const window = { days: ["sat"], start: "02:00", durationMinutes: 120, timezone: "UTC" };
      h = await createHarness(sim, inject("redisUrl"), {
        clock,
        hooks: clusterHooks(),
        cluster: { maintenanceWindows: [window] },
      });
      const ops = withWindowNotice(h.ops, h.inventory, clock);

      const req = await ops.request("rotate", sim.name, [], { userId: REQUESTER });
      expect(req.ok, req.message).toBe(true);
      expect(req.message).toContain(
        "outside the maintenance window; the next one opens 2026-11-28 02:00 UTC",
      );
      const id = req.operationId!;
      const t0 = Date.now();
      expect((await h.click(id, "approve")).ok).toBe(true);

      const waiting = await h.waitFor(id, (o) => o.waitingUntil === "2026-11-28T02:00:00.000Z");
      expect(waiting.status).toBe("running");
      expect(waiting.waitingReason).toContain("outside the maintenance window");
      // The operation message says when it will start.
      await expect
        .poll(() => JSON.stringify(h.chat.latest(waiting.message!.ts)), { timeout: 10_000 })
        .toContain("2026-11-28");
      expect(commandsSince(sim.commandLog(), t0, MUTATING)).toEqual([]);

      // Saturday 02:01: the parked run job is due (BullMQ's timer runs on real time, so promote it).
      clock.set(new Date("2026-11-28T02:01:00Z"));
      const queue = new Queue("operations", { connection: h.redis, prefix: h.prefix });
      for (const job of await queue.getDelayed()) if (job.name === "run") await job.promote();
      await queue.close();

      const next = await h.waitFor(id, atGate(1));
      expect(next.waitingUntil).toBeUndefined();
      const snapshots = find(
        sim.commandLog().filter((e) => e.t >= t0),
        undefined,
        /^rke2 etcd-snapshot save/,
      );
      expect(snapshots.map((e) => e.node).sort()).toEqual(["cp-1", "cp-2"]);
      // One approval so far: phase 1 ran on the approval given before the wait.
      expect((await h.ledger.audit(id)).filter((a) => a.kind === "decision")).toHaveLength(1);
    },
  );

  it(
    "a failing application check after a node comes back halts the roll before the next node, naming the check",
    { timeout: 240_000 },
    async () => {
      appStatus = 200;
      h = await createHarness(sim, inject("redisUrl"), {
        hooks: clusterHooks(),
        cluster: { appChecks: [{ name: "shop", url: appUrl, expectStatus: 200, timeoutSeconds: 2 }] },
      });
      const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
      expect(req.ok, req.message).toBe(true);
      const id = req.operationId!;
      expect((await h.click(id, "approve")).ok).toBe(true);
      await h.waitFor(id, atGate(1));
      appStatus = 503; // the application breaks while the servers roll
      const t1 = Date.now();
      expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
      const halted = await h.waitFor(id, (o) => o.status === "halted");
      expect(halted.failure).toMatchObject({ node: "cp-1" });
      expect(halted.failure!.message).toContain("shop");
      expect(halted.failure!.message).toContain("HTTP 503, expected 200");
      const log = sim.commandLog().filter((e) => e.t >= t1);
      expect(find(log, "cp-1", ROTATE)).toHaveLength(1);
      expect(find(log, "cp-2", MUTATING).map(cmd)).toEqual([]);
      expect((await h.click(id, "abort", APPROVERS[1])).ok).toBe(true);
    },
  );
});
