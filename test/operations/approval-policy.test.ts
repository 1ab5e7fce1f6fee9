import { webApi } from "@slack/bolt";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { slackGroups } from "../../src/slack/slack-groups.js";
import type { AuditRecord } from "../../src/operations/audit/audit-record.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { atGate, createHarness, finished, REQUESTER, type Harness } from "./support/harness.js";
import { buttonsOf, textOf } from "./support/recording-chat.js";

const avail = namespacesAvailable();
const ONCALL = "SONCALL1";
const PLATFORM = "SPLATFORM1";
const [ALICE, BOB] = ["UALICE01", "UBOB0001"];

describe.skipIf(!avail.ok)("per-cluster policy: Slack groups, N-of-M approvals, channelOnly, audit", () => {
  let sim: SimCluster;
  let slack: FakeSlack;
  let h: Harness;
  const groups = () => slackGroups(new webApi.WebClient(slack.botToken, { slackApiUrl: slack.apiUrl }));

  beforeAll(async () => {
    sim = await startSimCluster({ name: "policy", nodes: standardNodes(1, 1) });
    slack = await startFakeSlack();
    slack.model.userGroups.set(ONCALL, [ALICE, BOB]);
    slack.model.userGroups.set(PLATFORM, [REQUESTER]);
  });
  afterEach(async () => {
    slack.clearFailures();
    await h?.close();
  });
  afterAll(async () => {
    await sim?.stop();
    await slack?.close();
  });

  const gateButton = async (id: string) => {
    const op = await h.op(id);
    return buttonsOf(h.chat.latest(op.message!.ts)).get("approve")!;
  };

  it(
    "a group member approves, a non-member is refused; server-roll needs two distinct approvers; the audit file lists every event in order",
    { timeout: 180_000 },
    async () => {
      h = await createHarness(sim, inject("redisUrl"), {
        groups: groups(),
        approvals: { approvers: [ONCALL], approvalsRequired: { default: 1, "server-roll": 2 } },
      });
      const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER, userName: "req" });
      expect(req.ok, req.message).toBe(true);
      const id = req.operationId!;
      const first = await h.op(id);
      const shown = textOf(h.chat.latest(first.message!.ts));
      expect(shown).toContain(`<!subteam^${ONCALL}>`);
      expect(shown).toMatch(/<!date\^\d+\^\{date_short_pretty\} \{time\}\|/);
      expect(shown).toContain("1 approval needed");

      const stranger = await h.click(id, "approve", "USTRANGER1");
      expect(stranger).toMatchObject({ ok: false });
      expect(stranger.message).toMatch(/not an approver/);
      expect((await h.op(id)).version).toBe(first.version);
      expect((await h.click(id, "approve", ALICE)).ok).toBe(true);

      const gate1 = await h.waitFor(id, atGate(1));
      expect(gate1.gate?.required).toBe(2);
      const once = await h.click(id, "approve", ALICE);
      expect(once.ok, once.message).toBe(true);
      const after1 = await h.op(id);
      expect(after1.status).toBe("awaiting-approval");
      expect(after1.runSeq).toBe(gate1.runSeq);
      expect(after1.gate?.approvals?.map((a) => a.by)).toEqual([ALICE]);
      await expect.poll(() => textOf(h.chat.latest(after1.message!.ts))).toContain("1 of 2 approvals");
      const { token } = await gateButton(id);
      const again = await h.ops.decide(id, "approve", token, { userId: ALICE });
      expect(again.ok).toBe(false);
      expect(again.message).toMatch(/already approved/);
      expect((await h.op(id)).gate?.approvals).toHaveLength(1);
      expect((await h.click(id, "approve", BOB)).ok).toBe(true);
      await h.waitFor(id, atGate(2));
      expect((await h.click(id, "approve", BOB)).ok).toBe(true);
      const done = await h.waitFor(id, finished);
      expect(done.status).toBe("completed");

      const audit = await h.ops.audit!(id, { userId: ALICE });
      expect(audit.ok).toBe(true);
      if (!audit.ok) return;
      const rs = audit.jsonl
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as AuditRecord);
      const times = rs.map((r) => Date.parse(r.time));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      const key = (r: AuditRecord) =>
        `${r.action}:${r.actorId}:${r.phase ?? ""}:${r.outcome.startsWith("refused") ? "refused" : r.outcome === "accepted" ? "accepted" : ""}`;
      const decisions = rs.filter((r) => r.action === "request-rotate" || r.action === "approve").map(key);
      expect(decisions).toEqual([
        `request-rotate:${REQUESTER}::accepted`,
        "approve:USTRANGER1:backup:refused",
        `approve:${ALICE}:backup:accepted`,
        `approve:${ALICE}:server-roll:accepted`,
        `approve:${ALICE}:server-roll:refused`,
        `approve:${BOB}:server-roll:accepted`,
        `approve:${BOB}:agents:accepted`,
      ]);
      expect(rs[0]!.actorName).toBe("req");
      const phases = rs.filter((r) => r.action.startsWith("phase-")).map((r) => `${r.action}:${r.phase}`);
      expect(phases).toEqual([
        "phase-start:backup",
        "phase-end:backup",
        "phase-start:server-roll",
        "phase-end:server-roll",
        "phase-start:agents",
        "phase-end:agents",
      ]);
      // Steps sit between their phase's start and end, on a named node.
      const steps = rs.filter((r) => r.action === "step");
      expect(steps.length).toBeGreaterThan(5);
      for (const s of steps) {
        expect(s.node).toBeTruthy();
        const start = rs.findIndex((r) => r.action === "phase-start" && r.phase === s.phase);
        const end = rs.findIndex((r) => r.action === "phase-end" && r.phase === s.phase);
        expect(rs.indexOf(s)).toBeGreaterThan(start);
        expect(rs.indexOf(s)).toBeLessThan(end);
      }
      // The thread said the same: one note per accepted approval, the second server-roll one "2 of 2" implicit.
      const thread = h.chat.thread(done.message!.ts).map((m) => m.text);
      expect(thread.filter((t) => /approved phase/.test(t))).toHaveLength(
        decisions.filter((d) => d.startsWith("approve") && d.endsWith("accepted")).length,
      );
      expect(thread.some((t) => /1 of 2 approvals/.test(t))).toBe(true);
      expect(audit.message).toMatch(/refused/);
    },
  );

  it(
    "non-requesters and other channels are refused with nothing locked; a failing group lookup refuses the click",
    { timeout: 120_000 },
    async () => {
      h = await createHarness(sim, inject("redisUrl"), {
        groups: groups(),
        approvals: { approvers: [ONCALL], requesters: [PLATFORM] },
        cluster: { channelOnly: true },
      });
      const channel = h.inventory.clusters[0]!.channel;
      const posts = () => h.chat.calls().filter((c) => c.kind === "post").length;

      const stranger = await h.ops.request("rotate", sim.name, [], {
        userId: "USTRANGER1",
        channelId: channel,
      });
      expect(stranger.ok).toBe(false);
      expect(stranger.message).toMatch(/requested only by <!subteam\^SPLATFORM1>/);
      const elsewhere = await h.ops.request("rotate", sim.name, [], {
        userId: REQUESTER,
        channelId: "COTHER01",
      });
      expect(elsewhere.ok).toBe(false);
      expect(elsewhere.message).toContain(`<#${channel}>`);
      expect(await h.ledger.lockHolder(sim.name)).toBeUndefined();
      expect(posts()).toBe(0);

      const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER, channelId: channel });
      expect(req.ok, req.message).toBe(true);
      const id = req.operationId!;
      const before = await h.op(id);
      const { token } = await gateButton(id);

      slack.failNext("usergroups.users.list", { error: "internal_error" });
      const failed = await h.ops.decide(id, "approve", token, { userId: ALICE, channelId: channel });
      expect(failed.ok).toBe(false);
      expect(failed.message).toMatch(/could not be looked up/);
      const wrongChannel = await h.ops.decide(id, "approve", token, { userId: ALICE, channelId: "COTHER01" });
      expect(wrongChannel.ok).toBe(false);
      expect(wrongChannel.message).toMatch(/only in its own channel/);
      expect(await h.op(id)).toMatchObject({
        version: before.version,
        status: "awaiting-approval",
        runSeq: 0,
      });

      const audit = await h.ops.audit!(sim.name, { userId: ALICE });
      expect(audit.ok).toBe(true);
      if (!audit.ok) return;
      const outcomes = audit.jsonl
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as AuditRecord);
      const refused = outcomes.filter((r) => r.outcome.startsWith("refused")).map((r) => r.action);
      expect(refused.slice(-4)).toEqual(["request-rotate", "request-rotate", "approve", "approve"]);
      expect((await h.ops.cancel(id, { userId: REQUESTER, channelId: channel })).ok).toBe(true);
    },
  );
});
