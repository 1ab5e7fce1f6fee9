import { Queue, type JobType } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { mutateState } from "../../rig/fixtures/lib/state.mjs";
import { namespacesAvailable, startSimCluster, type SimCluster } from "../../rig/sim-cluster.js";
import { checkMessageLimits } from "../../../src/slack/blocks/limits.js";
import { cmd, find } from "../support/command-log.js";
import { APPROVERS, atGate, finished, REQUESTER, type Harness } from "../support/harness.js";
import { buttonsOf, textOf } from "../support/recording-chat.js";
import { startChannelServer, type ChannelServer } from "./support/channel-server.js";
import {
  createUpgradeHarness,
  FROM,
  resetCluster,
  SERVERS,
  sixNodes,
  TO,
} from "./support/upgrade-harness.js";
import { INSTALL, kubectlOn, touching } from "./support/upgrade-log.js";

const avail = namespacesAvailable();
const unescape = (s: string) => s.replace(/\\"/g, '"').replace(/\\n/g, "\n");

/**
 * Failures in the agent roll. The servers already run the target (skipped), so the plan is
 * Backup → Agent roll: the agent phase is reached with two approvals.
 */
describe.skipIf(!avail.ok)("upgrade failure handling in the agent roll", () => {
  let sim: SimCluster;
  let channels: ChannelServer;
  let h: Harness | undefined;

  beforeAll(async () => {
    [sim, channels] = await Promise.all([
      startSimCluster({ name: "upgfail", nodes: sixNodes() }),
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

  async function toAgentRoll(): Promise<{ id: string; t1: number }> {
    mutateState(`${sim.dir}/cluster`, (s) =>
      SERVERS.forEach((n) => Object.assign(s.nodes[n]!, { installedVersion: TO, runningVersion: TO })),
    );
    h = await createUpgradeHarness(sim, inject("redisUrl"), {
      channelUrl: channels.url,
      operations: { drainTimeoutSeconds: 2 },
    });
    const req = await h.ops.request("upgrade", sim.name, ["v1.34"], { userId: REQUESTER });
    expect(req.ok, req.message).toBe(true);
    const id = req.operationId!;
    expect((await h.op(id)).phases.map((p) => p.id)).toEqual(["backup", "agent-roll"]);
    expect((await h.click(id, "approve")).ok).toBe(true);
    await h.waitFor(id, atGate(1));
    const t1 = Date.now();
    expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
    return { id, t1 };
  }

  /** Waits for the operation's active run job to finish, then lists its run jobs still queued. */
  const runJobsAfterHalt = async (id: string) => {
    const queue = new Queue("operations", { connection: h!.redis, prefix: h!.prefix });
    try {
      const runs = async (states: JobType[]) =>
        (await queue.getJobs(states)).filter(
          (j) => j?.name === "run" && (j.data as { opId: string }).opId === id,
        );
      for (const end = Date.now() + 15_000; (await runs(["active"])).length > 0;) {
        if (Date.now() > end) throw new Error(`the run job of ${id} is still active`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return (await runs(["waiting", "delayed", "prioritized", "waiting-children"])).map((j) => j.id);
    } finally {
      await queue.close();
    }
  };

  const failureReply = async (id: string) => {
    const op = await h!.op(id);
    return h!.chat.thread(op.message!.ts).find((m) => textOf(m).includes("failed on"))!;
  };

  it(
    "the installer fails on agent-2: halt, agent-2 left serving and uncordoned (Ready), stderr and exit code quoted, agent-3 untouched",
    { timeout: 240_000 },
    async () => {
      sim.setKnob("agent-2", "install-fail", "1");
      const { id, t1 } = await toAgentRoll();
      const halted = await h!.waitFor(id, (o) => o.status === "halted");
      expect(halted.failure).toMatchObject({ node: "agent-2", step: "install", exitCode: 1 });
      expect(halted.failure!.command).toContain("rke2-install-sim");
      expect(halted.failure!.stderr).toMatch(
        /curl: \(56\) Recv failure: Connection reset by peer\n\[ERROR\] {2}Download failed/,
      );
      const recovery = halted.failure!.recovery.join("\n");
      expect(recovery).toContain("rke2-agent on agent-2 is running");
      expect(recovery).toContain(`uncordoned agent-2: it is Ready on ${FROM}`);
      expect(recovery).toContain("No node is left cordoned.");
      expect(sim.nodeState("agent-2")).toMatchObject({
        service: "active",
        cordoned: false,
        runningVersion: FROM,
        installedVersion: FROM,
      });

      const log = sim.commandLog().filter((e) => e.t >= t1);
      expect(sim.nodeState("agent-1")).toMatchObject({ runningVersion: TO, cordoned: false });
      expect(touching(log, "agent-3").map(cmd)).toEqual([]);
      expect(kubectlOn(log, "drain", "agent-2")).toHaveLength(1); // drained before the install that failed
      // Never re-run automatically: once the halting run job has finished, no run job of this
      // operation is queued (only a Retry click enqueues one), and agent-2 saw one install attempt.
      expect(await runJobsAfterHalt(id)).toEqual([]);
      expect(
        find(
          sim.commandLog().filter((e) => e.t >= t1),
          "agent-2",
          INSTALL,
        ),
      ).toHaveLength(1);

      const reply = await failureReply(id);
      const text = unescape(textOf(reply));
      expect(text).toMatch(/install\* failed on \*agent-2\*/);
      expect(text).toContain("exit code 1");
      expect(text).toContain("Connection reset by peer");
      expect([...buttonsOf(reply).keys()]).toEqual(["retry", "abort"]);
      expect(checkMessageLimits(reply)).toEqual([]);

      // Fixed, Retry step: agent-2 is cordoned and drained again, installed once more, and the roll completes.
      sim.setKnob("agent-2", "install-fail", null);
      expect((await h!.click(id, "retry")).ok).toBe(true);
      const done = await h!.waitFor(id, finished);
      expect(done.status, JSON.stringify(done.failure)).toBe("completed");
      const after = sim.commandLog().filter((e) => e.t >= t1);
      expect(find(after, "agent-2", INSTALL).map((e) => e.exitCode)).toEqual([1, 0]);
      expect(find(after, "agent-1", INSTALL)).toHaveLength(1);
      for (const a of ["agent-1", "agent-2", "agent-3"])
        expect(sim.nodeState(a)).toMatchObject({ runningVersion: TO, cordoned: false });
    },
  );

  it(
    "a PDB-blocked drain halts naming the budget and the guide's advice; agent-2 is never installed and is listed as cordoned",
    { timeout: 240_000 },
    async () => {
      sim.setKnob("agent-2", "pdb-block", "1");
      const { id, t1 } = await toAgentRoll();
      const halted = await h!.waitFor(id, (o) => o.status === "halted");
      expect(halted.failure).toMatchObject({ node: "agent-2", step: "drain", exitCode: 1 });
      const msg = halted.failure!.message;
      expect(msg).toContain("PodDisruptionBudget shop/web-pdb");
      expect(msg).toContain("ALLOWED DISRUPTIONS 0");
      expect(msg).toContain("`kubectl get pdb -A`");
      expect(msg).toContain("`maxUnavailable`");
      expect(msg).toMatch(/remove the budget for the maintenance window, then press \*Retry step\*/);
      expect(halted.failure!.stderr).toMatch(/disruption budget/);
      expect(halted.failure!.recovery).toContain(
        "agent-2: cordoned (`kubectl uncordon agent-2` puts it back into service; Retry step continues the RKE2 upgrade)",
      );

      const log = sim.commandLog().filter((e) => e.t >= t1);
      expect(find(log, "agent-2", INSTALL)).toEqual([]);
      expect(find(log, "agent-2", /^systemctl /).map(cmd)).toEqual([]);
      expect(sim.nodeState("agent-2")).toMatchObject({
        cordoned: true,
        service: "active",
        runningVersion: FROM,
      });
      expect(touching(log, "agent-3").map(cmd)).toEqual([]);
      const text = unescape(textOf(await failureReply(id)));
      expect(text).toContain("shop/web-pdb");
      expect(text).toMatch(/agent-2: cordoned/);

      // The budget is relaxed; Retry step drains, installs and uncordons agent-2, then agent-3.
      sim.setKnob("agent-2", "pdb-block", null);
      expect((await h!.click(id, "retry", APPROVERS[1])).ok).toBe(true);
      const done = await h!.waitFor(id, finished);
      expect(done.status, JSON.stringify(done.failure)).toBe("completed");
      for (const a of ["agent-1", "agent-2", "agent-3"])
        expect(sim.nodeState(a)).toMatchObject({ runningVersion: TO, cordoned: false });
    },
  );

  it(
    "the installer fails on cp-2: halt, cp-2 serving its old version, cp-3 and the agents untouched; Abort frees the cluster",
    { timeout: 240_000 },
    async () => {
      sim.setKnob("cp-2", "install-fail", "1");
      h = await createUpgradeHarness(sim, inject("redisUrl"), { channelUrl: channels.url });
      const req = await h.ops.request("upgrade", sim.name, ["v1.34"], { userId: REQUESTER });
      expect(req.ok, req.message).toBe(true);
      const id = req.operationId!;
      expect((await h.click(id, "approve")).ok).toBe(true);
      await h.waitFor(id, atGate(1));
      const t1 = Date.now();
      expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
      const halted = await h.waitFor(id, (o) => o.status === "halted");
      expect(halted.failure).toMatchObject({ node: "cp-2", step: "install", exitCode: 1 });
      expect(halted.failure!.recovery).toEqual([
        "rke2-server on cp-2 is running",
        "No node is left cordoned.",
      ]);
      expect(sim.nodeState("cp-1")).toMatchObject({ runningVersion: TO });
      expect(sim.nodeState("cp-2")).toMatchObject({
        service: "active",
        runningVersion: FROM,
        installedVersion: FROM,
      });
      const log = sim.commandLog().filter((e) => e.t >= t1);
      for (const n of ["cp-3", "agent-1", "agent-2", "agent-3"])
        expect(touching(log, n).map(cmd), n).toEqual([]);
      expect((await h.click(id, "abort")).ok).toBe(true);
      expect((await h.op(id)).status).toBe("aborted");
      expect(await h.ledger.lockHolder(sim.name)).toBeUndefined();
    },
  );
});
