import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { OpRecord } from "../../src/operations/engine/records.js";
import type { CommandLogEntry } from "../rig/sim-cluster.js";
import { namespacesAvailable, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { find, ROTATE, STOP } from "./support/command-log.js";
import {
  APPROVERS,
  atGate,
  createHarness,
  finished,
  REQUESTER,
  testInventoryYaml,
  type Harness,
} from "./support/harness.js";
import { startCrashRun } from "./support/crash-harness.js";
import { startChannelServer, type ChannelServer } from "./upgrade/support/channel-server.js";
import { createUpgradeHarness, FROM, resetCluster } from "./upgrade/support/upgrade-harness.js";
import { INSTALL, kubectlOn } from "./upgrade/support/upgrade-log.js";

const avail = namespacesAvailable();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SLOW = "6000";

/** Most runs of one command overlapping at any moment (from the rig's start/end times). */
function mostAtOnce(runs: CommandLogEntry[]): number {
  const ev = runs.flatMap((e) => [
    [e.t, 1],
    [e.tEnd ?? Infinity, -1],
  ]);
  ev.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let cur = 0;
  let most = 0;
  for (const [, d] of ev) most = Math.max(most, (cur += d!));
  return most;
}

/** Once a command matching `re` runs on `node` (started, not ended), cut that node's SSH connections. */
async function cutDuring(sim: SimCluster, node: string, re: RegExp, t0: number): Promise<number> {
  for (let i = 0; i < 6000; i++) {
    const running = find(
      sim.commandLog().filter((e) => e.t >= t0),
      node,
      re,
    ).filter((e) => e.tEnd === undefined);
    if (running.length) {
      await sleep(1000); // well inside the 6 s run
      // A watcher between two probes may hold no connection at this instant: take the next one.
      for (let j = 0; j < 400; j++) {
        const cut = sim.dropSessions(node);
        if (cut > 0) return cut;
        await sleep(5);
      }
      return 0;
    }
    await sleep(20);
  }
  throw new Error(`${re} never started on ${node}`);
}

const since = (sim: SimCluster, t0: number) => sim.commandLog().filter((e) => e.t >= t0);

/**
 * A dangerous remote command runs at most once although the SSH session dies under it or a second
 * worker takes the job over: real sshd, real ssh2, real Redis, the real engine.
 */
describe.skipIf(!avail.ok)(
  `at most once (real sshd, session cuts, frozen worker)${avail.ok ? "" : ` (${avail.reason})`}`,
  () => {
    describe("rotation", () => {
      let sim: SimCluster;
      let h: Harness | undefined;
      beforeAll(async () => {
        sim = await startSimCluster({ name: "amo-rot", nodes: [{ name: "cp-1", role: "server" }] });
      });
      afterEach(async () => {
        await h?.close();
        h = undefined;
        for (const k of ["slow:certificate rotate", "rotate-fail", "transition-ms"])
          sim.setKnob("cp-1", k, null);
      });
      afterAll(async () => {
        await sim?.stop();
      });

      async function approveAll(id: string, phases: number): Promise<OpRecord> {
        for (let p = 0; p < phases; p++) {
          expect((await h!.click(id, "approve", APPROVERS[p % 2])).ok).toBe(true);
          if (p + 1 < phases) await h!.waitFor(id, (o) => atGate(p + 1)(o) || !!o.failure || !!o.finishedAt);
        }
        return h!.waitFor(id, (o) => !!o.finishedAt || o.status === "halted", 120_000);
      }

      it(
        "the session is cut in the middle of a 6 s `rke2 certificate rotate`: it ran once and the rotation completes",
        { timeout: 180_000 },
        async () => {
          h = await createHarness(sim, inject("redisUrl"));
          sim.setKnob("cp-1", "slow:certificate rotate", SLOW);
          const t0 = Date.now();
          const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
          expect(req.ok, req.message).toBe(true);
          const cut = cutDuring(sim, "cp-1", ROTATE, t0);
          const op = await approveAll(req.operationId!, (await h.op(req.operationId!)).phases.length);
          expect(await cut).toBeGreaterThan(0);
          expect(op.status, JSON.stringify(op.failure)).toBe("completed");
          const rotates = find(since(sim, t0), "cp-1", ROTATE);
          expect(rotates, "rotate runs").toHaveLength(1);
          expect(rotates[0]!.exitCode).toBe(0);
          // It outlived the cut 1 s into its run (a command tied to the session would have died with it).
          expect(rotates[0]!.tEnd! - rotates[0]!.t, "rotate ran its whole 6 s").toBeGreaterThanOrEqual(5000);
          // The operation cleaned up its records on the node.
          expect(
            (
              await sim.ssh(
                "cp-1",
                `test -e /var/lib/rancher/rke2-chatops/${op.id} && echo left || echo gone`,
              )
            ).stdout.trim(),
          ).toBe("gone");
        },
      );

      it(
        "a failing rotate cut mid-run: its recorded exit code is reported, never re-run",
        { timeout: 180_000 },
        async () => {
          h = await createHarness(sim, inject("redisUrl"));
          sim.setKnob("cp-1", "slow:certificate rotate", SLOW);
          sim.setKnob("cp-1", "rotate-fail", "1");
          const t0 = Date.now();
          const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
          expect(req.ok, req.message).toBe(true);
          const cut = cutDuring(sim, "cp-1", ROTATE, t0);
          const op = await approveAll(req.operationId!, 2);
          await cut;
          expect(op.status).toBe("halted");
          expect(op.failure?.step).toBe("rotate");
          expect(op.failure?.exitCode).toBe(1);
          expect(op.failure?.stderr).toMatch(/no space left on device/);
          expect(find(since(sim, t0), "cp-1", ROTATE)).toHaveLength(1);
          expect((await h.click(op.id, "abort")).ok).toBe(true);
        },
      );

      it("a deactivating/activating unit is waited out, never judged", { timeout: 180_000 }, async () => {
        h = await createHarness(sim, inject("redisUrl"));
        sim.setKnob("cp-1", "transition-ms", "2500");
        const t0 = Date.now();
        const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
        expect(req.ok, req.message).toBe(true);
        const op = await approveAll(req.operationId!, (await h.op(req.operationId!)).phases.length);
        expect(op.status, JSON.stringify(op.failure)).toBe("completed");
        const stop = (await h.ledger.nodes(op.id)).get("cp-1")!.steps["server-roll/stop"]!;
        expect(stop.summary).toBe("inactive");
        // The stop was verified only after the unit had settled (is-active polled through "deactivating").
        const stopEnd = find(since(sim, t0), "cp-1", STOP)[0]!.tEnd!;
        const reads = find(since(sim, t0), "cp-1", /^systemctl is-active rke2-server$/).filter(
          (e) => e.t > stopEnd,
        );
        expect(reads.length).toBeGreaterThan(1);
        expect(reads.at(-1)!.t - stopEnd).toBeGreaterThanOrEqual(2000);
      });

      it(
        "a second worker takes the job over while the first is frozen mid-rotate: exactly one run",
        { timeout: 240_000 },
        async () => {
          const run = await startCrashRun({
            name: "amo",
            inventoryYaml: testInventoryYaml(sim),
            harness: (url, opts) => createHarness(sim, url, opts),
          });
          h = run.h;
          const first = run.worker;
          const { prefix, chatFile } = run;
          sim.setKnob("cp-1", "slow:certificate rotate", SLOW);
          const t0 = Date.now();
          let second: Harness | undefined;
          try {
            const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
            expect(req.ok, req.message).toBe(true);
            const id = req.operationId!;
            const phases = (await h.op(id)).phases.length;
            expect((await h.click(id, "approve", APPROVERS[0])).ok).toBe(true);
            await h.waitFor(id, atGate(1));
            expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
            for (;;) {
              if (find(since(sim, t0), "cp-1", ROTATE).length) break;
              await sleep(20);
            }
            first.signal("SIGSTOP");
            // The second replica: BullMQ hands it the job once the frozen worker's lock expires.
            second = await createHarness(sim, inject("redisUrl"), { prefix, chatFile });
            for (let p = 2; p < phases; p++) {
              await h.waitFor(id, atGate(p), 120_000);
              expect((await h.click(id, "approve", APPROVERS[p % 2])).ok).toBe(true);
            }
            const op = await h.waitFor(id, finished, 120_000);
            expect(op.status, JSON.stringify(op.failure)).toBe("completed");
            const rotates = find(since(sim, t0), "cp-1", ROTATE);
            expect(rotates, "rotate runs").toHaveLength(1);
            expect(mostAtOnce(rotates)).toBe(1);
          } finally {
            first.signal("SIGCONT");
            await run.close();
            h = undefined; // closed with the run
            await second?.close();
          }
        },
      );
    });

    describe("upgrade", () => {
      let sim: SimCluster;
      let channels: ChannelServer;
      let h: Harness | undefined;
      beforeAll(async () => {
        [sim, channels] = await Promise.all([
          startSimCluster({
            name: "amo-upg",
            nodes: [
              { name: "cp-1", role: "server", version: FROM },
              { name: "agent-1", role: "agent", version: FROM },
            ],
          }),
          startChannelServer(),
        ]);
      });
      afterEach(async () => {
        await h?.close();
        h = undefined;
        resetCluster(sim);
      });
      afterAll(async () => {
        await sim?.stop();
        await channels?.close();
      });

      async function upgrade(during: (t0: number) => Promise<unknown>) {
        h = await createUpgradeHarness(sim, inject("redisUrl"), { channelUrl: channels.url });
        const t0 = Date.now();
        const req = await h.ops.request("upgrade", sim.name, ["v1.34"], { userId: REQUESTER });
        expect(req.ok, req.message).toBe(true);
        const id = req.operationId!;
        const disturbance = during(t0);
        const phases = (await h.op(id)).phases.length;
        for (let p = 0; p < phases; p++) {
          const o = await h.waitFor(id, (x) => atGate(p)(x) || x.status === "halted", 120_000);
          if (o.status === "halted") break;
          expect((await h.click(id, "approve", APPROVERS[p % 2])).ok).toBe(true);
        }
        const op = await h.waitFor(id, (o) => !!o.finishedAt || o.status === "halted", 120_000);
        await disturbance;
        return { op, log: since(sim, t0) };
      }

      it(
        "sessions cut in the middle of a 6 s installer and of a 6 s drain: each ran once, the upgrade completes",
        { timeout: 240_000 },
        async () => {
          sim.setKnob("cp-1", "slow:rke2-install-sim", SLOW);
          sim.setKnob("cp-1", "slow: drain ", SLOW);
          const { op, log } = await upgrade(async (t0) => {
            expect(await cutDuring(sim, "cp-1", INSTALL, t0)).toBeGreaterThan(0);
            expect(await cutDuring(sim, "cp-1", /kubectl .* drain agent-1/, t0)).toBeGreaterThan(0);
          });
          expect(op.status, JSON.stringify(op.failure)).toBe("completed");
          const installs = find(log, "cp-1", INSTALL);
          expect(installs, "installer runs on cp-1").toHaveLength(1);
          expect(installs[0]!.exitCode).toBe(0);
          expect(mostAtOnce(installs)).toBe(1);
          const drains = kubectlOn(log, "drain", "agent-1");
          expect(drains, "drains of agent-1").toHaveLength(1);
          expect(drains[0]!.exitCode).toBe(0);
          expect(find(log, "agent-1", INSTALL)).toHaveLength(1);
        },
      );

      it(
        "a failing installer cut mid-run: the step fails with its recorded exit code, not a second run",
        { timeout: 240_000 },
        async () => {
          sim.setKnob("cp-1", "slow:rke2-install-sim", SLOW);
          sim.setKnob("cp-1", "install-fail", "1");
          const { op, log } = await upgrade((t0) => cutDuring(sim, "cp-1", INSTALL, t0));
          expect(op.status).toBe("halted");
          expect(op.failure?.step).toBe("install");
          expect(op.failure?.exitCode).toBe(1);
          expect(find(log, "cp-1", INSTALL)).toHaveLength(1);
          expect((await h!.click(op.id, "abort")).ok).toBe(true);
        },
      );
    });
  },
);
