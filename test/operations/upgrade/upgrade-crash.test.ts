import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { namespacesAvailable, startSimCluster, type SimCluster } from "../../rig/sim-cluster.js";
import { cmd, find } from "../support/command-log.js";
import { crashAndResume, killWorkerWhen, type CrashOutcome } from "../support/crash-harness.js";
import type { SupervisedWorker } from "../support/worker-process.js";
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

  beforeAll(async () => {
    [sim, channels] = await Promise.all([
      startSimCluster({ name: "upgcrash", nodes: sixNodes() }),
      startChannelServer(),
    ]);
  });
  afterEach(() => resetCluster(sim));
  afterAll(async () => {
    await sim?.stop();
    await channels?.close();
  });

  const upgradeWithCrash = (o: {
    crashAt?: string[];
    during?: (worker: SupervisedWorker, t0: number) => Promise<void>;
  }) =>
    crashAndResume({
      name: "ucrash",
      sim,
      kind: "upgrade",
      args: ["v1.34"],
      inventoryYaml: upgradeInventoryYaml(sim, { channelUrl: channels.url }),
      harness: (url, opts) => createUpgradeHarness(sim, url, { channelUrl: channels.url, ...opts }),
      ...o,
    });

  function expectCleanRun(r: CrashOutcome) {
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
        during: (worker, t0) =>
          killWorkerWhen({
            sim,
            worker,
            t0,
            node: "cp-2",
            re: SERVER_RESTART,
            succeeded: true,
            afterMs: 500,
            timeoutMs: 120_000,
          }),
      });
      expect(r.deaths).toBe(1);
      expectCleanRun(r);
    },
  );
});
