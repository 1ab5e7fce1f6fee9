import { mkdtempSync, readFileSync, readdirSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { find, ROTATE, SNAPSHOT, START, STOP, AGENT_RESTART, MUTATING, cmd } from "./support/command-log.js";
import {
  APPROVERS,
  atGate,
  createHarness,
  finished,
  REQUESTER,
  testInventoryYaml,
} from "./support/harness.js";
import { SupervisedWorker } from "./support/worker-process.js";

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
  let dir: string;
  let inventoryPath: string;

  beforeAll(async () => {
    sim = await startSimCluster({ name: "rotcrash", nodes: standardNodes(3, 2) });
    dir = mkdtempSync(join(tmpdir(), "rot-crash-"));
    inventoryPath = join(dir, "rke2-chatops.yaml");
    writeFileSync(inventoryPath, testInventoryYaml(sim));
  });
  afterAll(async () => {
    await sim?.stop();
  });

  async function rotateWithCrash(o: {
    crashAt?: string[];
    during?: (id: string, worker: SupervisedWorker, t0: number) => Promise<void>;
  }) {
    const prefix = `crash-${Math.random().toString(36).slice(2, 8)}`;
    const chatFile = join(dir, `${prefix}.chat.jsonl`);
    const markFile = join(dir, `${prefix}.crashed`);
    const h = await createHarness(sim, inject("redisUrl"), { workers: false, prefix, chatFile });
    const worker = new SupervisedWorker({
      REDIS_URL: inject("redisUrl"),
      OPS_PREFIX: prefix,
      INVENTORY_PATH: inventoryPath,
      CHAT_FILE: chatFile,
      CRASH_AT: (o.crashAt ?? []).join(","),
      CRASH_MARK: markFile,
    });
    await worker.start();
    const t0 = Date.now();
    try {
      const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
      expect(req.ok, req.message).toBe(true);
      const id = req.operationId!;
      const during = o.during?.(id, worker, t0);
      expect((await h.click(id, "approve", APPROVERS[0])).ok).toBe(true);
      await h.waitFor(id, atGate(1));
      expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
      await h.waitFor(id, atGate(2));
      expect((await h.click(id, "approve", APPROVERS[0])).ok).toBe(true);
      const op = await h.waitFor(id, finished, 120_000);
      await during;
      const crashed = existsSync(markFile) ? readFileSync(markFile, "utf8").split("\n").filter(Boolean) : [];
      return {
        id,
        op,
        log: sim.commandLog().filter((e) => e.t >= t0),
        crashed,
        deaths: worker.deaths,
        audit: await h.ledger.audit(id),
        errors: worker.errors(),
      };
    } finally {
      await worker.stop();
      await h.close();
    }
  }

  /** Same end state as an uninterrupted rotation: each dangerous action took effect exactly once, in order. */
  function expectCleanRun(r: Awaited<ReturnType<typeof rotateWithCrash>>) {
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
          during: async (_id, worker, t0) => {
            for (let i = 0; i < 1200; i++) {
              if (
                find(
                  sim.commandLog().filter((e) => e.t >= t0),
                  "cp-2",
                  ROTATE,
                ).length > 0
              ) {
                await new Promise((res) => setTimeout(res, 300));
                worker.kill();
                return;
              }
              await new Promise((res) => setTimeout(res, 50));
            }
            throw new Error("rotate on cp-2 never started");
          },
        });
        expect(r.deaths).toBe(1);
        expectCleanRun(r);
      } finally {
        sim.setKnob("cp-2", "slow-ms", null);
      }
    },
  );
});
