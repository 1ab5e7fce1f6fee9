import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { mutateState } from "../../rig/fixtures/lib/state.mjs";
import { namespacesAvailable, startSimCluster, type SimCluster } from "../../rig/sim-cluster.js";
import { cmd, find } from "../support/command-log.js";
import { APPROVERS, atGate, finished, REQUESTER, type Harness } from "../support/harness.js";
import { textOf } from "../support/recording-chat.js";
import { startChannelServer, type ChannelServer } from "../upgrade/support/channel-server.js";
import { AGENTS, FROM, SERVERS, sixNodes, TO } from "../upgrade/support/upgrade-harness.js";
import { INSTALL, MUTATING } from "../upgrade/support/upgrade-log.js";
import {
  createSucHarness,
  progressMessages,
  resetSuc,
  sucState,
  writeManifests,
  type SucEvent,
} from "./support/suc-harness.js";

const avail = namespacesAvailable();
const ALL = [...SERVERS, ...AGENTS];
const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** A progress line: the node, its job (plan, state) and, when given, what the node shows. */
const progressLine = (node: string, plan: string, state: string, tail = "") =>
  new RegExp(
    `\\*${re(node)}\\* · job \`apply-${plan}-on-${re(node)}-[^\`]+\` ${state}${tail ? ` · ${re(tail)}` : ""}`,
  );

describe.skipIf(!avail.ok)(
  "upgrade through the System Upgrade Controller, 3 servers + 3 agents (real sshd, real Redis)",
  () => {
    let sim: SimCluster;
    let channels: ChannelServer;
    let manifests: { crd: string; controller: string };
    let h: Harness | undefined;

    beforeAll(async () => {
      [sim, channels] = await Promise.all([
        startSimCluster({ name: "sucflow", nodes: sixNodes() }),
        startChannelServer(),
      ]);
      manifests = writeManifests(sim);
    });
    afterEach(async () => {
      await h?.close();
      h = undefined;
      resetSuc(sim);
    });
    afterAll(async () => {
      await sim?.stop();
      await channels?.close();
    });

    const events = () => sucState(sim)?.events ?? [];
    const seqOf = (pred: (e: SucEvent) => boolean) =>
      events()
        .filter(pred)
        .map((e) => e.seq);

    async function request(args: string[]) {
      const t0 = Date.now();
      const req = await h!.ops.request("upgrade", sim.name, args, { userId: REQUESTER });
      expect(req.ok, req.message).toBe(true);
      const id = req.operationId!;
      const op = await h!.op(id);
      const mutated = find(
        sim.commandLog().filter((e) => e.t >= t0),
        undefined,
        /kubectl .*\b(apply|delete)\b/,
      );
      return { id, op, plan: textOf(h!.chat.latest(op.message!.ts)!), mutated, t0 };
    }

    /** The three approvals, each at its gate, then the halt the test provoked in the agent plan. */
    async function approveUntilHalted(id: string) {
      expect((await h!.click(id, "approve")).ok).toBe(true);
      await h!.waitFor(id, atGate(1));
      expect((await h!.click(id, "approve", APPROVERS[1])).ok).toBe(true);
      await h!.waitFor(id, atGate(2));
      expect((await h!.click(id, "approve")).ok).toBe(true);
      return h!.waitFor(id, (o) => o.status === "halted", 120_000);
    }

    it(
      "three approvals: snapshot + controller install, server plan, agent plan; servers before agents; plans and controller gone at the end",
      { timeout: 240_000 },
      async () => {
        h = await createSucHarness(sim, inject("redisUrl"), { channelUrl: channels.url, manifests });
        const { id, op: planned, plan, mutated, t0 } = await request(["v1.34"]);
        expect(planned.kind).toBe("suc-upgrade");
        expect(id).toMatch(/^suc-/);
        expect(plan).toContain(`version: ${TO}`);
        expect(plan).toContain("install the System Upgrade Controller from");
        expect(plan).toContain(manifests.controller);
        for (const n of ALL)
          expect(plan).toContain(`${n} (${n.startsWith("cp") ? "server" : "agent"}): ${FROM} → ${TO}`);
        expect(mutated.map(cmd)).toEqual([]);
        expect(sucState(sim)?.controller ?? false).toBe(false);

        expect((await h.click(id, "approve")).ok).toBe(true);
        await h.waitFor(id, atGate(1));
        // Phase 1 installed the controller; no plan before the second approval.
        expect(sucState(sim)).toMatchObject({ crd: true, controller: true, plans: {} });
        expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
        await h.waitFor(id, atGate(2));
        // The server plan ran to the end; the agent plan is not there yet, no agent touched.
        for (const s of SERVERS)
          expect(sim.nodeState(s)).toMatchObject({ runningVersion: TO, cordoned: false });
        for (const a of AGENTS) expect(sim.nodeState(a).runningVersion).toBe(FROM);
        expect(seqOf((e) => e.plan === "agent-plan")).toEqual([]);
        expect((await h.click(id, "approve")).ok).toBe(true);
        const op = await h.waitFor(id, finished, 120_000);
        expect(op.status, JSON.stringify(op.failure)).toBe("completed");

        for (const n of ALL)
          expect(sim.nodeState(n), n).toMatchObject({
            runningVersion: TO,
            installedVersion: TO,
            cordoned: false,
            service: "active",
          });
        const log = sim.commandLog().filter((e) => e.t >= t0);
        expect(find(log, undefined, INSTALL), "the bot runs no installer: SUC's jobs do").toEqual([]);
        expect(
          find(log, undefined, MUTATING)
            .filter((e) => !/etcd-snapshot/.test(cmd(e)))
            .map(cmd),
        ).toEqual([]);

        // Both plans pinned to the version, never a channel.
        const applied = events().filter((e) => e.what === "plan-applied");
        expect(applied.map((e) => [e.plan, e.version, e.channel])).toEqual([
          ["server-plan", TO, undefined],
          ["agent-plan", TO, undefined],
        ]);
        // Order: every server job completed before the first agent job was created; servers one at a time.
        const lastServerDone = Math.max(...seqOf((e) => e.plan === "server-plan" && e.what === "complete"));
        const firstAgentJob = Math.min(...seqOf((e) => e.plan === "agent-plan" && e.what === "job-created"));
        expect(seqOf((e) => e.plan === "server-plan" && e.what === "complete")).toHaveLength(3);
        expect(seqOf((e) => e.plan === "agent-plan" && e.what === "complete")).toHaveLength(3);
        expect(lastServerDone).toBeLessThan(firstAgentJob);
        let running = 0;
        for (const e of events().filter((x) => x.plan === "server-plan")) {
          if (e.what === "job-created") running++;
          if (e.what === "complete") running--;
          expect(running, "server jobs at once").toBeLessThanOrEqual(1);
        }
        // Clean-up: no plan, and the controller this operation installed is gone.
        expect(sucState(sim)).toMatchObject({ crd: false, controller: false, plans: {} });
        const thread = await h.threadWith(
          op.message!.ts,
          "System Upgrade Controller: plans deleted; controller and CRD removed",
        );
        expect(thread.map(textOf).join("\n")).toContain(`The upgrade of ${sim.name} to ${TO} is complete`);

        // Live progress: one thread message per plan phase, posted once and then updated in place;
        // it showed a job running and, last, every node of the plan on the target.
        const progress = progressMessages(h.chat, op.message!.ts);
        expect(progress.map((m) => m.versions[0]!.match(/(\w+ plan): progress$/)?.[1])).toEqual([
          "Server plan",
          "Agent plan",
        ]);
        for (const [m, plan, nodes] of [
          [progress[0]!, "server-plan", SERVERS],
          [progress[1]!, "agent-plan", AGENTS],
        ] as const) {
          expect(m.versions.length, `${plan}: updated in place`).toBeGreaterThan(1);
          expect(
            m.versions.some((v) => nodes.some((n) => progressLine(n, plan, "active").test(v))),
            `${plan}: a running job was shown`,
          ).toBe(true);
          const last = m.versions.at(-1)!;
          expect(last).toContain(`3/3 nodes on ${TO}`);
          for (const n of nodes)
            expect(last, n).toMatch(progressLine(n, plan, "succeeded", `${TO} · Ready · schedulable`));
        }
      },
    );

    it(
      "a job that reaches its backoff limit halts with its pod log and the guide's advice; Retry after the fix completes",
      { timeout: 240_000 },
      async () => {
        h = await createSucHarness(sim, inject("redisUrl"), { channelUrl: channels.url, manifests });
        sim.setKnob("cp-2", "suc-job-fail", "backoff");
        const { id } = await request(["v1.34", "suc"]);
        expect((await h.click(id, "approve")).ok).toBe(true);
        await h.waitFor(id, atGate(1));
        expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
        const halted = await h.waitFor(id, (o) => o.status === "halted");
        expect(halted.failure).toMatchObject({ phase: 1, step: "wait-node" });
        expect(halted.failure!.message).toContain("Job has reached the specified backoff limit");
        expect(halted.failure!.message).toContain("kubectl logs -n system-upgrade job/");
        const note = await h.threadWith(halted.message!.ts, "No space left on device");
        expect(note.map(textOf).join("\n")).toContain("full disk");
        // The plan stays for Retry; cp-2 is still cordoned by its job; no agent was touched.
        expect(Object.keys(sucState(sim)!.plans)).toEqual(["server-plan"]);
        expect(sim.nodeState("cp-2")).toMatchObject({ runningVersion: FROM, cordoned: true });

        sim.setKnob("cp-2", "suc-job-fail", null);
        expect((await h.click(id, "retry")).ok).toBe(true);
        await h.waitFor(id, atGate(2));
        const failed = sucState(sim)!
          .events.filter((e) => e.what === "failed")
          .map((e) => e.node);
        expect(failed).toEqual(["cp-2"]);
        expect(
          sucState(sim)!
            .jobs.filter((j) => j.node === "cp-2")
            .map((j) => j.state),
        ).toEqual(["complete"]);
        expect((await h.click(id, "approve")).ok).toBe(true);
        const op = await h.waitFor(id, finished, 120_000);
        expect(op.status, JSON.stringify(op.failure)).toBe("completed");
        for (const n of ALL)
          expect(sim.nodeState(n), n).toMatchObject({ runningVersion: TO, cordoned: false });
      },
    );

    it(
      "a job past its deadline halts the agent plan with its pod log and the deadline advice, plan left in place; Retry re-creates the job and the upgrade completes",
      { timeout: 240_000 },
      async () => {
        h = await createSucHarness(sim, inject("redisUrl"), { channelUrl: channels.url, manifests });
        sim.setKnob("agent-1", "suc-job-fail", "deadline");
        const { id } = await request(["v1.34"]);
        const halted = await approveUntilHalted(id);
        expect(halted.failure).toMatchObject({ phase: 2, node: "agent-1", step: "wait-node" });
        const msg = halted.failure!.message;
        expect(msg).toContain("DeadlineExceeded: Job was active longer than specified deadline");
        expect(msg).toContain("The upgrade job on agent-1 ran past its deadline");
        expect(msg).toMatch(/kubectl logs -n system-upgrade job\/apply-agent-plan-on-agent-1-/);
        expect(msg).not.toContain("backoff limit");
        // The failure note carries the job's pod log excerpt.
        const note = await h.threadWith(halted.message!.ts, "did not become active");
        expect(note.map(textOf).join("\n")).toContain("waiting for rke2-agent to become active (attempt 3)");
        // The plans stay for Retry; agent-1 is left cordoned on the old version; no other agent was touched.
        expect(Object.keys(sucState(sim)!.plans).sort()).toEqual(["agent-plan", "server-plan"]);
        expect(sim.nodeState("agent-1")).toMatchObject({ runningVersion: FROM, cordoned: true });
        for (const a of ["agent-2", "agent-3"]) {
          expect(sim.nodeState(a).runningVersion).toBe(FROM);
          expect(events().filter((e) => e.node === a)).toEqual([]);
        }
        // The agent plan's progress message showed the job running, then failed.
        const agentProgress = () => progressMessages(h!.chat, halted.message!.ts)[1]!;
        const seen = agentProgress().versions;
        expect(seen.some((v) => progressLine("agent-1", "agent-plan", "active", `${FROM}`).test(v))).toBe(
          true,
        );
        expect(seen.at(-1)).toMatch(
          progressLine("agent-1", "agent-plan", "failed", `${FROM} · Ready · cordoned`),
        );

        sim.setKnob("agent-1", "suc-job-fail", null);
        expect((await h.click(id, "retry")).ok).toBe(true);
        const op = await h.waitFor(id, finished, 120_000);
        expect(op.status, JSON.stringify(op.failure)).toBe("completed");
        for (const n of ALL)
          expect(sim.nodeState(n), n).toMatchObject({ runningVersion: TO, cordoned: false });
        // Retry deleted the failed job; the controller created a new one, which completed.
        expect(
          sucState(sim)!
            .events.filter((e) => e.node === "agent-1")
            .map((e) => e.what),
        ).toEqual(["job-created", "failed", "job-created", "upgraded", "complete"]);
        // Still one progress message per phase: the retried phase updated the same one.
        const after = progressMessages(h.chat, op.message!.ts);
        expect(after).toHaveLength(2);
        expect(after[1]!.ts).toBe(agentProgress().ts);
        expect(after[1]!.versions.at(-1)).toContain(`3/3 nodes on ${TO}`);
      },
    );

    it(
      "a drain blocked by a PodDisruptionBudget halts the agent plan with the eviction error and the PDB advice; Abort deletes the plans and uncordons only what the plan cordoned",
      { timeout: 240_000 },
      async () => {
        h = await createSucHarness(sim, inject("redisUrl"), { channelUrl: channels.url, manifests });
        sim.setKnob("agent-2", "suc-pdb-block", "1");
        // Cordoned by someone before the operation: Abort must leave it so.
        mutateState(join(sim.dir, "cluster"), (st) => {
          st.nodes["agent-3"]!.cordoned = true;
        });
        const { id } = await request(["v1.34"]);
        const halted = await approveUntilHalted(id);
        expect(halted.failure).toMatchObject({ phase: 2, step: "wait-node" });
        expect(halted.failure!.message).toContain("PodDisruptionBudget blocks the drain of agent-2");
        expect(halted.failure!.message).toContain("kubectl get pdb -A");
        const note = await h.threadWith(halted.message!.ts, "disruption budget");
        expect(note.map(textOf).join("\n")).toContain("Cannot evict pod");
        expect(sim.nodeState("agent-2")).toMatchObject({ runningVersion: FROM, cordoned: true });
        expect(sim.nodeState("agent-1").runningVersion).toBe(TO);

        // Abort: plans and jobs gone, the node the failed job cordoned back in service, agent-3 left as it was.
        expect((await h.click(id, "abort")).ok).toBe(true);
        const aborted = await h.waitFor(id, finished);
        expect(aborted.status).toBe("aborted");
        expect(sucState(sim)).toMatchObject({ plans: {}, jobs: [] });
        expect(sim.nodeState("agent-2").cordoned).toBe(false);
        expect(sim.nodeState("agent-3").cordoned).toBe(true);
        expect(events().filter((e) => e.node === "agent-3")).toEqual([]);
        const thread = await h.threadWith(aborted.message!.ts, "uncordoned agent-2");
        expect(thread.map(textOf).join("\n")).toContain("deleted server-plan and agent-plan");
      },
    );

    it("without the controller and without upgrade.sucManifests the request is refused with the reason", async () => {
      h = await createSucHarness(sim, inject("redisUrl"), { channelUrl: channels.url });
      const req = await h.ops.request("upgrade", sim.name, ["v1.34"], { userId: REQUESTER });
      expect(req.ok).toBe(false);
      expect(req.message).toContain("no `upgrade.sucManifests`");
      // `ssh` picks the SSH upgrade even on a cluster whose method is suc.
      const ssh = await h.ops.request("upgrade", sim.name, ["v1.34", "ssh"], { userId: REQUESTER });
      expect(ssh.ok, ssh.message).toBe(true);
      expect((await h.op(ssh.operationId!)).kind).toBe("upgrade");
      await h.ops.decide(ssh.operationId!, "reject", (await h.op(ssh.operationId!)).gate!.token, {
        userId: APPROVERS[0]!,
      });
    });
  },
);
