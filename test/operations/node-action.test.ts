import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterSpec } from "../../src/config/inventory.js";
import { ConnectionLostError, createRemoteAccess } from "../../src/operations/engine/remote-access.js";
import { actionRef } from "../../src/rke2/node-action-script.js";
import { systemClock } from "../../src/shared/clock.js";
import { silentLogger } from "../../src/shared/logger.js";
import { sh } from "../../src/ssh/shell-quote.js";
import { createSsh2Executor } from "../../src/ssh/ssh2-executor.js";
import type { SshExecutor } from "../../src/ssh/ssh-executor.js";
import { namespacesAvailable, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { cmd, find } from "./support/command-log.js";
import { testInventory } from "./support/harness.js";

const avail = namespacesAvailable();
const INSTALL = /^rke2-install-sim$/;
const ROTATE = /^rke2 certificate rotate$/;

/** The at-most-once mechanism on its own: real sshd, real ssh2, detached command under flock. */
describe.skipIf(!avail.ok)(`node actions run at most once${avail.ok ? "" : ` (${avail.reason})`}`, () => {
  let sim: SimCluster;
  let cluster: ClusterSpec;
  const install = sh`sh -c ${"INSTALL_RKE2_TYPE=server INSTALL_RKE2_VERSION=v1.34.1+rke2r1 rke2-install-sim"}`;

  beforeAll(async () => {
    sim = await startSimCluster({ name: "nodeact", nodes: [{ name: "cp-1", role: "server" }] });
    cluster = testInventory(sim).clusters[0]!;
  });
  afterAll(async () => {
    await sim?.stop();
  });

  const access = (executor: SshExecutor = createSsh2Executor({ logger: silentLogger, clock: systemClock })) =>
    createRemoteAccess({
      executor,
      cluster,
      clock: systemClock,
      log: silentLogger,
      policy: { renewalWindowDays: 90, alertDays: [30] },
      commandTimeoutMs: 60_000,
    });
  const node = () => cluster.nodes[0]!;
  const since = (t0: number, re: RegExp) => find(sim.commandLog(), "cp-1", re).filter((e) => e.t >= t0);

  it("returns the command's real exit code and output, and a repeat of the attempt does not re-run it", async () => {
    const r = access();
    const t0 = Date.now();
    sim.setKnob("cp-1", "rotate-fail", "1");
    try {
      const a = actionRef("op-fail", ["cp-1", "roll", "rotate"], 1);
      const first = await r.runOnce(node(), a, sh`rke2 certificate rotate`);
      expect(first.code).toBe(1);
      expect(first.stderr).toMatch(/no space left on device/);
      const again = await r.runOnce(node(), a, sh`rke2 certificate rotate`);
      expect(again.code).toBe(1);
      expect(again.stderr).toBe(first.stderr);
      expect(since(t0, ROTATE)).toHaveLength(1);
    } finally {
      sim.setKnob("cp-1", "rotate-fail", null);
      await r.close();
    }
  });

  it("a cut SSH session leaves the command running; the probe waits for it and takes its result", async () => {
    const r = access();
    const t0 = Date.now();
    sim.setKnob("cp-1", "slow:rke2-install-sim", "4000");
    try {
      const a = actionRef("op-cut", ["cp-1", "roll", "install"], 1);
      const run = r.runOnce(node(), a, install);
      await until(() => since(t0, INSTALL).length === 1);
      // Without keep-alive each probe is its own connection: cut whichever one is open next,
      // while the install still runs (it takes 4 s).
      await until(() => sim.dropSessions("cp-1") > 0, 3000, 5);
      expect(since(t0, INSTALL)[0]!.exitCode).toBeUndefined();
      // The watcher reconnects between polls (or reports the loss); the command itself runs on.
      const watched = await run.then(
        (res) => res,
        (err: unknown) => {
          expect(err).toBeInstanceOf(ConnectionLostError);
          return undefined;
        },
      );
      if (watched) {
        expect(watched.code).toBe(0);
        expect(watched.stdout).toMatch(/\[INFO\]/);
      }
      const p = await r.probeAction(node(), a);
      expect(p.state).toBe("finished");
      if (p.state === "finished") {
        expect(p.result.code).toBe(0);
        expect(p.result.stdout).toMatch(/\[INFO\]/);
      }
      const runs = since(t0, INSTALL);
      expect(runs.map(cmd)).toHaveLength(1);
      expect(runs[0]!.exitCode).toBe(0);
      expect(sim.nodeState("cp-1").installedVersion).toBe("v1.34.1+rke2r1");
    } finally {
      sim.setKnob("cp-1", "slow:rke2-install-sim", null);
      await r.close();
    }
  });

  it("a running attempt is long-polled on its lock: a few probes, the result as soon as it ends", async () => {
    const lines: string[] = [];
    const inner = createSsh2Executor({ logger: silentLogger, clock: systemClock });
    const counting: SshExecutor = {
      open: async (n, o) => {
        const s = await inner.open(n, o);
        return { node: s.node, close: () => s.close(), run: (c, ro) => (lines.push(c.line), s.run(c, ro)) };
      },
    };
    const r = access(counting);
    const t0 = Date.now();
    sim.setKnob("cp-1", "slow:rke2-install-sim", "3000");
    try {
      const res = await r.runOnce(node(), actionRef("op-long-poll", ["cp-1", "roll", "install"], 1), install);
      expect(res.code).toBe(0);
      expect(since(t0, INSTALL)).toHaveLength(1);
      // Polling every 100 ms doubling to 1 s would have asked six times during the 3 s run.
      expect(lines.filter((l) => l.includes("flock -w")).length).toBeLessThanOrEqual(2);
    } finally {
      sim.setKnob("cp-1", "slow:rke2-install-sim", null);
      await r.close();
      await inner.close();
    }
  });

  it("two starters of one attempt at once: one run, both get its result", async () => {
    const [r1, r2] = [access(), access()];
    const t0 = Date.now();
    sim.setKnob("cp-1", "slow:rke2-install-sim", "1500");
    try {
      const a = actionRef("op-race", ["cp-1", "roll", "install"], 1);
      const [x, y] = await Promise.all([r1.runOnce(node(), a, install), r2.runOnce(node(), a, install)]);
      expect([x.code, y.code]).toEqual([0, 0]);
      const runs = since(t0, INSTALL);
      expect(runs).toHaveLength(1);
    } finally {
      sim.setKnob("cp-1", "slow:rke2-install-sim", null);
      await Promise.all([r1.close(), r2.close()]);
    }
  });

  it("a timed-out command is stopped on the node and says so", async () => {
    const r = access();
    const t0 = Date.now();
    sim.setKnob("cp-1", "hang", "rke2-install-sim");
    try {
      const a = actionRef("op-timeout", ["cp-1", "roll", "install"], 1);
      const res = await r.runOnce(node(), a, install, { timeoutMs: 1500 });
      expect(res.timedOut).toBe(true);
      expect(res.code).toBeNull();
      expect(res.stderr).toMatch(/timed out after 2 s; stopped on the node/);
      const runs = since(t0, INSTALL);
      expect(runs).toHaveLength(1);
      expect(runs[0]!.tEnd).toBeUndefined();
      // Nothing of its process group (setsid made the runner its leader) is left on the node.
      const pidFile = "/var/lib/rancher/rke2-chatops/op-timeout/cp-1.roll.install.1.pid";
      // (Zombies are dead: this container's init does not reap orphans.)
      const ps = await sim.ssh(
        "cp-1",
        `g=$(cut -d' ' -f1 ${pidFile}); test -n "$g" && ps -o stat=,cmd= -g "$g" | grep -v '^Z'; echo "pgid=$g"`,
      );
      expect(ps.stdout.trim()).toMatch(/^pgid=\d+$/);
      // The record says so too: a probe of that attempt reports the stop, and nothing runs again.
      const p = await r.probeAction(node(), a);
      expect(p.state === "finished" && p.result.stderr).toMatch(/stopped on the node/);
    } finally {
      sim.setKnob("cp-1", "hang", null);
      await r.close();
    }
  });
});

async function until(pred: () => boolean, timeoutMs = 15_000, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
