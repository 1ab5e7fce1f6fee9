import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { find, ROTATE, SNAPSHOT, START, STOP, AGENT_RESTART, MUTATING, cmd } from "./support/command-log.js";
import { crashAndResume, killWorkerWhen, type CrashOutcome } from "./support/crash-harness.js";
import { createHarness, testInventoryYaml } from "./support/harness.js";
import type { SupervisedWorker } from "./support/worker-process.js";

const avail = namespacesAvailable();
const servers = ["cp-1", "cp-2", "cp-3"];
const agents = ["agent-1", "agent-2"];

/**
 * Crash tests: the worker runs in a child process and is SIGKILLed at a step boundary or in the
 * middle of a step; a supervisor restarts it; BullMQ re-delivers the job once its lock expires;
 * the engine resumes from the ledger. The final state must be the same as without a crash, no
 * dangerous command may have run twice, and no approval may have been skipped.
 */
describe.skipIf(!avail.ok)("crash and resume (worker SIGKILLed, restarted)", () => {
  let sim: SimCluster;

  beforeAll(async () => {
    sim = await startSimCluster({ name: "rotcrash", nodes: standardNodes(3, 2) });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  const rotateWithCrash = (o: {
    crashAt?: string[];
    during?: (worker: SupervisedWorker, t0: number) => Promise<void>;
  }) =>
    crashAndResume({
      name: "rot-crash",
      sim,
      kind: "rotate",
      inventoryYaml: testInventoryYaml(sim),
      harness: (url, opts) => createHarness(sim, url, opts),
      ...o,
    });

  /** Same end state as an uninterrupted rotation: each dangerous action took effect exactly once, in order. */
  function expectCleanRun(r: CrashOutcome) {
    if (process.env.CRASH_DEBUG) {
      for (const e of r.log)
        if (/systemctl|rotate/.test(cmd(e))) console.log("CMD", e.t, e.tEnd, e.node, cmd(e), e.exitCode);
      for (const a of r.audit) console.log("AUDIT", a.at, a.node ?? "", a.text);
    }
    expect(r.op.status, JSON.stringify(r.op.failure)).toBe("completed");
    const ok = (re: RegExp, node: string) => find(r.log, node, re).filter((e) => e.exitCode === 0);
    for (const s of servers) {
      expect(ok(SNAPSHOT, s).map(cmd), `snapshot on ${s}`).toHaveLength(1);
      expect(ok(ROTATE, s).map(cmd), `rotate on ${s}`).toHaveLength(1);
      expect(ok(STOP, s), `stop on ${s}`).toHaveLength(1);
      expect(find(r.log, s, START).map(cmd), `start on ${s}`).toHaveLength(1);
      const node = sim.nodes.find((n) => n.name === s)!;
      const backups = readdirSync(join(node.dataDir, "server")).filter(
        (f) => /^tls-\d+$/.test(f) && Number(f.slice(4)) * 1000 >= Math.floor(r.log[0]!.t / 1000) * 1000,
      );
      expect(backups, `tls-<unix> backups on ${s}`).toHaveLength(1);
      expect(sim.nodeState(s).service).toBe("active");
    }
    for (const a of agents) expect(ok(AGENT_RESTART, a), `restart on ${a}`).toHaveLength(1);
    // servers strictly one at a time: the mutating commands of each server form one contiguous block
    const order = find(r.log, undefined, MUTATING)
      .filter((e) => servers.includes(e.node) && !SNAPSHOT.test(cmd(e)))
      .map((e) => e.node);
    expect(order.filter((n, i) => n !== order[i - 1])).toEqual(servers);
    // no approval skipped: three decisions, each before the phase it opened
    const decisions = r.audit.filter((e) => e.kind === "decision");
    expect(decisions).toHaveLength(3);
    const started = r.audit.filter((e) => e.kind === "phase" && /started/.test(e.text));
    expect(started).toHaveLength(3);
    started.forEach((s, i) => expect(Date.parse(s.at)).toBeGreaterThanOrEqual(Date.parse(decisions[i]!.at)));
  }

  const boundaries = [
    "backup/snapshot:cp-2:after-act",
    "server-roll/stop:cp-2:after-act",
    "server-roll/rotate:cp-2:after-act",
    "server-roll/start:cp-2:before-act",
    "server-roll/start:cp-2:after-act",
    "server-roll/verify-certs:cp-2:after-commit",
    "server-roll:phase-done",
    "agents/restart:agent-1:after-act",
  ];
  for (const point of boundaries) {
    it(`SIGKILL at ${point}`, { timeout: 240_000 }, async () => {
      const r = await rotateWithCrash({ crashAt: [point] });
      expect(r.crashed, r.errors).toEqual([point]);
      expect(r.deaths).toBe(1);
      expectCleanRun(r);
    });
  }

  it(
    "SIGKILL in the middle of `rke2 certificate rotate` on cp-2 (slow fixture)",
    { timeout: 240_000 },
    async () => {
      sim.setKnob("cp-2", "slow-ms", "1500");
      try {
        const r = await rotateWithCrash({
          during: (worker, t0) =>
            killWorkerWhen({ sim, worker, t0, node: "cp-2", re: ROTATE, afterMs: 300, timeoutMs: 60_000 }),
        });
        expect(r.deaths).toBe(1);
        expectCleanRun(r);
      } finally {
        sim.setKnob("cp-2", "slow-ms", null);
      }
    },
  );
});
