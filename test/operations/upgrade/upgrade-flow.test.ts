import { statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { namespacesAvailable, startSimCluster, type SimCluster } from "../../rig/sim-cluster.js";
import { checkMessageLimits } from "../../../src/slack/blocks/limits.js";
import { cmd, find, one } from "../support/command-log.js";
import type { ChatMessage } from "../../../src/shared/chat-port.js";
import { mainMessage, runOperation } from "../support/drive.js";
import type { Harness } from "../support/harness.js";
import { buttonsOf, textOf } from "../support/recording-chat.js";
import { startChannelServer, type ChannelServer } from "./support/channel-server.js";
import {
  AGENTS,
  createUpgradeHarness,
  FROM,
  resetCluster,
  SERVERS,
  sixNodes,
  TO,
} from "./support/upgrade-harness.js";
import {
  agentInterval,
  AGENT_RESTART,
  INSTALL,
  kubectlOn,
  MUTATING,
  peakOverlap,
  READYZ,
  SERVER_RESTART,
  SNAPSHOT,
  touching,
} from "./support/upgrade-log.js";

const avail = namespacesAvailable();

describe.skipIf(!avail.ok)("upgrade end to end on 3 servers + 3 agents (real sshd, real Redis)", () => {
  let sim: SimCluster;
  let channels: ChannelServer;
  let h: Harness | undefined;

  beforeAll(async () => {
    [sim, channels] = await Promise.all([
      startSimCluster({ name: "upgflow", nodes: sixNodes() }),
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

  /** Request, then approve the three phases; returns the op id, its plan message and the command log since t0. */
  async function upgradeAll(target: string) {
    const t0 = Date.now();
    let plan: ChatMessage | undefined;
    let mutatedBeforeApproval: ReturnType<typeof find> = [];
    const { id, op } = await runOperation(h!, "upgrade", sim.name, [target], {
      atGate: (at, phase) => {
        if (phase !== 0) return;
        plan = mainMessage(h!, at);
        mutatedBeforeApproval = find(
          sim.commandLog().filter((e) => e.t >= t0),
          undefined,
          MUTATING,
        );
      },
    });
    return { id, op, plan: plan!, mutatedBeforeApproval, log: sim.commandLog().filter((e) => e.t >= t0) };
  }

  it(
    "three approvals take every node to the target: snapshot first, servers one at a time, then agents drained and uncordoned",
    { timeout: 240_000 },
    async () => {
      h = await createUpgradeHarness(sim, inject("redisUrl"), { channelUrl: channels.url });
      const { id, op, plan, mutatedBeforeApproval, log } = await upgradeAll("v1.34");
      expect(op.status, JSON.stringify(op.failure)).toBe("completed");

      // The plan names the exact version, current → target per node, order and agent concurrency; nothing ran before approval 1.
      const planText = textOf(plan);
      expect(planText).toContain(TO);
      for (const n of [...SERVERS, ...AGENTS])
        expect(planText).toContain(`${n} (${n.startsWith("cp") ? "server" : "agent"}): ${FROM} → ${TO}`);
      expect(planText).toContain("cp-1 → cp-2 → cp-3");
      expect(planText).toContain("at most 1 at once (agent concurrency 1)");
      expect([...buttonsOf(plan).keys()]).toEqual(["approve", "reject"]);
      expect(checkMessageLimits(plan)).toEqual([]);
      expect(mutatedBeforeApproval.map(cmd)).toEqual([]);
      expect(channels.hits.some((p) => p.startsWith("/github"))).toBe(false);

      for (const n of [...SERVERS, ...AGENTS]) {
        expect(sim.nodeState(n), n).toMatchObject({
          runningVersion: TO,
          installedVersion: TO,
          cordoned: false,
          service: "active",
        });
        const installs = find(log, n, INSTALL);
        expect(
          installs.map((e) => e.env),
          `one install on ${n}`,
        ).toEqual([{ INSTALL_RKE2_TYPE: n.startsWith("cp") ? "server" : "agent", INSTALL_RKE2_VERSION: TO }]);
      }

      // Snapshot taken and verified (ledger + file) before any install.
      const firstInstall = Math.min(...find(log, undefined, INSTALL).map((e) => e.t));
      const snap = one(log, "cp-1", SNAPSHOT);
      expect(snap.exitCode).toBe(0);
      expect(snap.argv).toContain(`rke2-chatops-${id}`);
      const audit = await h.ledger.audit(id);
      const snapDone = audit.find((e) => e.node === "cp-1" && e.text.startsWith("etcd snapshot:"))!;
      expect(Date.parse(snapDone.at)).toBeLessThan(firstInstall);
      const snapFile = /(\/var\/lib\/rancher\/rke2\/server\/db\/snapshots\/\S+)/.exec(snapDone.text)![1]!;
      expect(
        statSync(join(sim.nodes[0]!.dataDir, snapFile.replace("/var/lib/rancher/rke2/", ""))).size,
      ).toBeGreaterThan(0);

      // Servers strictly one at a time: each starts after the previous one is Ready on the new version (its /readyz after its restart).
      let prevReady = snap.tEnd!;
      for (const s of SERVERS) {
        const inst = one(log, s, INSTALL);
        const restart = one(log, s, SERVER_RESTART);
        expect(inst.t, `${s} install after the previous server was ready`).toBeGreaterThan(prevReady);
        expect(restart.t).toBeGreaterThan(inst.tEnd!);
        const ready = find(log, s, READYZ).filter((e) => e.t > restart.tEnd! && e.exitCode === 0);
        expect(ready.length, `readyz on ${s} after its restart`).toBeGreaterThan(0);
        prevReady = ready[0]!.tEnd!;
      }
      // …and all of them before any agent is touched.
      for (const a of AGENTS)
        expect(Math.min(...touching(log, a).map((e) => e.t)), a).toBeGreaterThan(prevReady);

      // Per agent: cordon → drain → install → restart → Ready on the new version → uncordon; agents in inventory order, one at a time.
      let prevEnd = prevReady;
      for (const a of AGENTS) {
        const cordon = kubectlOn(log, "cordon", a)[0]!;
        const drain = kubectlOn(log, "drain", a)[0]!;
        const inst = one(log, a, INSTALL);
        const restart = one(log, a, AGENT_RESTART);
        const uncordon = kubectlOn(log, "uncordon", a)[0]!;
        expect(drain.argv).toEqual(
          expect.arrayContaining(["--ignore-daemonsets", "--delete-emptydir-data", "--timeout=10s"]),
        );
        expect(cordon.t).toBeGreaterThan(prevEnd);
        expect(drain.t).toBeGreaterThan(cordon.tEnd!);
        expect(inst.t).toBeGreaterThan(drain.tEnd!);
        expect(restart.t).toBeGreaterThan(inst.tEnd!);
        const readyAt = audit.find(
          (e) => e.node === a && e.text.startsWith("wait for Ready on the new version:"),
        )!;
        expect(readyAt.text).toContain(`Ready on ${TO}`);
        expect(Date.parse(readyAt.at)).toBeGreaterThan(restart.tEnd!);
        expect(uncordon.t).toBeGreaterThanOrEqual(Date.parse(readyAt.at));
        prevEnd = uncordon.tEnd!;
      }

      // Final message: complete, with a before/after table; no buttons left.
      const thread = (await h.threadWith(op.message!.ts, "is complete")).map(textOf).join("\n");
      expect(thread).toMatch(
        new RegExp(`upgrade of ${sim.name} to ${TO.replace(/[.+]/g, "\\$&")} is complete`),
      );
      expect(thread).toContain("before");
      for (const n of [...SERVERS, ...AGENTS])
        expect(thread).toMatch(
          new RegExp(
            `${n}\\s+(server|agent)\\s+${FROM.replace(/[.+]/g, "\\$&")}\\s+${TO.replace(/[.+]/g, "\\$&")}\\s+upgraded`,
          ),
        );
      for (const m of [...h.chat.thread(op.message!.ts), h.chat.latest(op.message!.ts)!])
        expect(checkMessageLimits(m)).toEqual([]);
      expect(buttonsOf(h.chat.latest(op.message!.ts)).size).toBe(0);
      expect(await h.ledger.lockHolder(sim.name)).toBeUndefined();
    },
  );

  it(
    "agentConcurrency=2: never more than two agents in flight (cordon … uncordon), and two at once do happen",
    { timeout: 240_000 },
    async () => {
      h = await createUpgradeHarness(sim, inject("redisUrl"), {
        channelUrl: channels.url,
        operations: { agentConcurrency: 2 },
      });
      for (const a of AGENTS) sim.setKnob(a, "ready-delay-seconds", "1");
      const { op, plan, log } = await upgradeAll("stable");
      expect(op.status, JSON.stringify(op.failure)).toBe("completed");
      expect(textOf(plan)).toContain("at most 2 at once (agent concurrency 2)");
      const intervals = AGENTS.map((a) => agentInterval(log, a));
      expect(peakOverlap(intervals)).toBe(2);
      // Inventory order: agent-3 starts only when one of the first two is done.
      expect(intervals[2]!.from).toBeGreaterThan(Math.min(intervals[0]!.to, intervals[1]!.to));
      for (const a of AGENTS) expect(sim.nodeState(a)).toMatchObject({ runningVersion: TO, cordoned: false });
    },
  );
});
