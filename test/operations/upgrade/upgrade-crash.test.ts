import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { namespacesAvailable, startSimCluster, type SimCluster } from "../../rig/sim-cluster.js";
import { cmd, find } from "../support/command-log.js";
import { APPROVERS, atGate, finished, REQUESTER } from "../support/harness.js";
import { SupervisedWorker } from "../support/worker-process.js";
import { startChannelServer, type ChannelServer } from "./support/channel-server.js";
import {
  AGENTS,
  createUpgradeHarness,
  resetCluster,
  SERVERS,
  sixNodes,
  TO,
  upgradeInventoryYaml,
} from "./support/upgrade-harness.js";
import { AGENT_RESTART, INSTALL, MUTATING, SERVER_RESTART, SNAPSHOT } from "./support/upgrade-log.js";

const avail = namespacesAvailable();

/**
 * The worker runs in a child process (test/operations/worker-entry.ts) and is SIGKILLed mid roll; a
 * supervisor restarts it and BullMQ re-delivers the run. The upgrade must end on the target with
 * no second install (or restart) on any node, the servers still one at a time, no approval skipped.
 */
describe.skipIf(!avail.ok)("upgrade crash and resume (worker SIGKILLed, restarted)", () => {
  let sim: SimCluster;
  let channels: ChannelServer;
  let dir: string;
  let inventoryPath: string;

  beforeAll(async () => {
    [sim, channels] = await Promise.all([
      startSimCluster({ name: "upgcrash", nodes: sixNodes() }),
      startChannelServer(),
    ]);
    dir = mkdtempSync(join(tmpdir(), "upg-crash-"));
    inventoryPath = join(dir, "rke2-chatops.yaml");
    writeFileSync(inventoryPath, upgradeInventoryYaml(sim, { channelUrl: channels.url }));
  });
  afterEach(() => resetCluster(sim));
  afterAll(async () => {
    await sim?.stop();
    await channels?.close();
  });

  async function upgradeWithCrash(o: {
    crashAt?: string[];
    during?: (worker: SupervisedWorker, t0: number) => Promise<void>;
  }) {
    const prefix = `ucrash-${Math.random().toString(36).slice(2, 8)}`;
    const chatFile = join(dir, `${prefix}.chat.jsonl`);
    const markFile = join(dir, `${prefix}.crashed`);
    const h = await createUpgradeHarness(sim, inject("redisUrl"), {
      channelUrl: channels.url,
      workers: false,
      prefix,
      chatFile,
    });
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
      const req = await h.ops.request("upgrade", sim.name, ["v1.34"], { userId: REQUESTER });
      expect(req.ok, req.message).toBe(true);
      const id = req.operationId!;
      const during = o.during?.(worker, t0);
      expect((await h.click(id, "approve", APPROVERS[0])).ok).toBe(true);
      await h.waitFor(id, atGate(1));
      expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
      await h.waitFor(id, atGate(2), 120_000);
      expect((await h.click(id, "approve", APPROVERS[0])).ok).toBe(true);
      const op = await h.waitFor(id, finished, 120_000);
      await during;
      const crashed = existsSync(markFile) ? readFileSync(markFile, "utf8").split("\n").filter(Boolean) : [];
      return {
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

  function expectCleanRun(r: Awaited<ReturnType<typeof upgradeWithCrash>>) {
    expect(r.op.status, JSON.stringify(r.op.failure)).toBe("completed");
    expect(find(r.log, undefined, SNAPSHOT).filter((e) => e.exitCode === 0)).toHaveLength(1);
    for (const n of [...SERVERS, ...AGENTS]) {
      expect(find(r.log, n, INSTALL).map(cmd), `installs on ${n}`).toHaveLength(1);
      expect(
        find(r.log, n, n.startsWith("cp") ? SERVER_RESTART : AGENT_RESTART).map(cmd),
        `restarts on ${n}`,
      ).toHaveLength(1);
      expect(sim.nodeState(n), n).toMatchObject({
        runningVersion: TO,
        installedVersion: TO,
        cordoned: false,
        service: "active",
      });
    }
    // Servers strictly one at a time, all before the agents: each node's changes form one contiguous block.
    const subject = (e: (typeof r.log)[number]) =>
      e.argv[0] === "kubectl" ? AGENTS.find((a) => e.argv.includes(a))! : e.node;
    const order = find(r.log, undefined, MUTATING)
      .filter((e) => !SNAPSHOT.test(cmd(e)))
      .map(subject);
    expect(order.filter((n, i) => n !== order[i - 1])).toEqual([...SERVERS, ...AGENTS]);
    const decisions = r.audit.filter((e) => e.kind === "decision");
    expect(decisions).toHaveLength(3);
    const started = r.audit.filter((e) => e.kind === "phase" && /started/.test(e.text));
    expect(started).toHaveLength(3);
    started.forEach((s, i) => expect(Date.parse(s.at)).toBeGreaterThanOrEqual(Date.parse(decisions[i]!.at)));
  }

  for (const point of [
    "server-roll/install:cp-2:after-act",
    "server-roll/restart:cp-2:after-act",
    "agent-roll/install:agent-2:after-act",
  ]) {
    it(`SIGKILL at ${point}`, { timeout: 240_000 }, async () => {
      const r = await upgradeWithCrash({ crashAt: [point] });
      expect(r.crashed, r.errors).toEqual([point]);
      expect(r.deaths).toBe(1);
      expectCleanRun(r);
    });
  }

  it(
    "SIGKILL while cp-2 restarts on the new version and is not Ready yet",
    { timeout: 240_000 },
    async () => {
      sim.setKnob("cp-2", "ready-delay-seconds", "4");
      const r = await upgradeWithCrash({
        during: async (worker, t0) => {
          for (let i = 0; i < 2400; i++) {
            if (
              find(
                sim.commandLog().filter((e) => e.t >= t0),
                "cp-2",
                SERVER_RESTART,
              ).some((e) => e.exitCode === 0)
            ) {
              await new Promise((res) => setTimeout(res, 500));
              worker.kill();
              return;
            }
            await new Promise((res) => setTimeout(res, 50));
          }
          throw new Error("cp-2 never restarted");
        },
      });
      expect(r.deaths).toBe(1);
      expectCleanRun(r);
    },
  );
});
