import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Bot } from "../../src/main/start-bot.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import {
  cleanupPrefix,
  expectAllWithinLimits,
  newPrefix,
  simInventory,
  startTestBot,
  testEnv,
  waitFor,
} from "./helpers/harness.js";
import { recordingOps } from "./helpers/recording-ops.js";

const ns = namespacesAvailable();

describe.skipIf(!ns.ok)(
  "/rke2 over signed HTTP, against simulated nodes, real Redis and the fake Slack",
  () => {
    const redisUrl = inject("redisUrl");
    const prefix = newPrefix();
    let sim: SimCluster;
    let fake: FakeSlack;
    let bot: Bot;
    let redis: Redis;
    let scanQueue: Queue;
    const acks: Array<{ text?: string; blocks?: unknown[] } | undefined> = [];
    const ops = recordingOps((c) =>
      c.fn === "decide" && c.by.userId === "U0INTRUDER"
        ? { ok: false, message: "Only approvers may approve." }
        : { ok: true, message: "Rotation requested: plan posted in <#C0PRODOPS>.", operationId: "op-1234" },
    );

    beforeAll(async () => {
      const nodes = standardNodes(3, 2);
      nodes[1]!.certs = {
        overrides: {
          "server/tls/serving-kube-apiserver.crt": { notAfterDays: -5 },
          "server/tls/client-admin.crt": { notAfterDays: 40 },
        },
      };
      nodes[4]!.certs = { corrupt: { "agent/client-kube-proxy.crt": "garbage" } };
      [sim, fake] = await Promise.all([startSimCluster({ name: "sim", nodes }), startFakeSlack()]);
      bot = await startTestBot(fake, {
        env: testEnv(fake, redisUrl),
        inventory: simInventory(sim),
        prefix,
        ops,
      });
      redis = new Redis(redisUrl);
      scanQueue = new Queue("scan", { connection: redis, prefix });
    });
    afterAll(async () => {
      await bot?.stop(2000);
      await scanQueue?.close();
      redis?.disconnect();
      await Promise.all([sim?.stop(), fake?.close()]);
      await cleanupPrefix(redisUrl, prefix);
    });

    const slash = async (
      text: string,
      user = "U0ALICE",
      sign?: { timestampSec?: number; signingSecret?: string },
    ) => {
      const r = await fake.slashCommand(text, user, { channel: "C0PRODOPS", ...(sign ? { sign } : {}) });
      acks.push(r.json);
      return r;
    };
    const enqueued = async () => Object.values(await scanQueue.getJobCounts()).reduce((a, b) => a + b, 0);

    it("acks `/rke2 certs sim` at once, then answers worst first through the response_url", async () => {
      const r = await slash("certs sim");
      expect(r.status).toBe(200);
      expect(r.ms).toBeLessThan(1000);
      expect(r.json).toMatchObject({ response_type: "ephemeral", text: ":mag: Scanning sim (5 nodes)…" });
      const [answer] = await fake.waitForResponses(r.responseUrl, 1, 30_000);
      const text = JSON.stringify(answer!.body);
      expect(answer!.body.text).toMatch(
        /^:red_circle: Certificates — sim: 1 expired · 1 unreadable · \d+ renewal window/,
      );
      expect(text).toContain(
        "`cp-2` `/var/lib/rancher/rke2/server/tls/serving-kube-apiserver.crt` — *expired*: expired 5 days ago",
      );
      expect(text).toContain("`agent-2` `/var/lib/rancher/rke2/agent/client-kube-proxy.crt` — *unreadable*");
      expect(text).toContain("restart rke2-server on cp-2 before");
      expect(text.indexOf("*expired*")).toBeLessThan(text.indexOf("*renewal window*"));
    });

    it("answers for one node with all of its certificates", async () => {
      const r = await slash("certs sim agent-1");
      expect(r.json?.text).toBe(":mag: Scanning agent-1 in sim (1 node)…");
      const [answer] = await fake.waitForResponses(r.responseUrl, 1, 30_000);
      expect(JSON.stringify(answer!.body)).toContain("Every other certificate on `agent-1`");
    });

    it("refuses an unknown cluster or node with the valid names, enqueuing nothing", async () => {
      const before = await enqueued();
      const c = await slash("certs nope");
      expect(c.json?.text).toContain('Unknown cluster "nope"; known clusters: sim');
      const n = await slash("certs sim cp-9");
      expect(n.json?.text).toContain(
        'Unknown node "cp-9" in sim; its nodes: cp-1, cp-2, cp-3, agent-1, agent-2',
      );
      expect(await enqueued()).toBe(before);
    });

    it("refuses a bad signature and a stale timestamp, running nothing", async () => {
      const before = await enqueued();
      const calls = fake.calls.length;
      const bad = await slash("certs sim", "U0ALICE", { signingSecret: "not-the-secret" });
      const stale = await slash("certs sim", "U0ALICE", {
        timestampSec: Math.floor(Date.now() / 1000) - 6 * 60,
      });
      expect([bad.status, stale.status]).toEqual([401, 401]);
      await new Promise((r) => setTimeout(r, 300));
      expect(await enqueued()).toBe(before);
      expect(fake.responsesTo(bad.responseUrl)).toEqual([]);
      expect(fake.responsesTo(stale.responseUrl)).toEqual([]);
      expect(fake.calls.length).toBe(calls);
    });

    it("answers help, and a usage message for nonsense", async () => {
      expect(JSON.stringify((await slash("help")).json)).toContain("/rke2 certs [cluster] [node]");
      const bad = await slash("rotate");
      expect(bad.json?.text).toMatch(/`rotate`: missing arguments\. Usage: \/rke2 rotate <cluster>/);
    });

    it("routes rotate, status and cancel to the operations API", async () => {
      const r = await slash("rotate sim", "U0ALICE");
      const [answer] = await fake.waitForResponses(r.responseUrl);
      expect(answer!.body.text).toContain("Rotation requested");
      await fake.waitForResponses((await slash("status sim")).responseUrl);
      await fake.waitForResponses((await slash("cancel op-1234")).responseUrl);
      expect(ops.calls.map((c) => c.fn)).toEqual(["request", "status", "cancel"]);
      expect(ops.calls[0]).toMatchObject({
        kind: "rotate",
        cluster: "sim",
        args: [],
        by: { userId: "U0ALICE", channelId: "C0PRODOPS" },
      });
      const unknown = await slash("rotate nope");
      expect(unknown.json?.text).toContain("known clusters: sim");
      expect(ops.calls).toHaveLength(3);
    });

    it("routes each registered operation's subcommand generically: its preparing text, the words after the cluster", async () => {
      ops.calls.length = 0;
      const u = await slash("upgrade sim v1.31 suc", "U0ALICE");
      expect(u.json?.text).toContain("Preparing an upgrade plan for sim to v1.31 (preflight checks first)");
      await fake.waitForResponses(u.responseUrl);
      const n = await slash("renew sim", "U0ALICE");
      expect(n.json?.text).toContain("Preparing a renewal-by-restart plan for sim");
      await fake.waitForResponses(n.responseUrl);
      expect(ops.calls).toMatchObject([
        { fn: "request", kind: "upgrade", cluster: "sim", args: ["v1.31", "suc"] },
        { fn: "request", kind: "renew", cluster: "sim", args: [] },
      ]);
    });

    it("routes button clicks: decisions to ops.decide, refusals ephemeral to the clicker, alert buttons to a rotation request", async () => {
      ops.calls.length = 0;
      const ok = await fake.clickButton({
        actionId: "approve",
        value: JSON.stringify({ op: "op-1234", token: "tok_1" }),
        user: "U0APPROVER1",
        channel: "C0PRODOPS",
      });
      expect(ok.status).toBe(200);
      const refused = await fake.clickButton({
        actionId: "approve-phase-2",
        value: JSON.stringify({ op: "op-1234", token: "tok_2" }),
        user: "U0INTRUDER",
        channel: "C0PRODOPS",
      });
      const [refusal] = await fake.waitForResponses(refused.responseUrl);
      expect(refusal!.body).toMatchObject({
        text: ":no_entry_sign: Only approvers may approve.",
        response_type: "ephemeral",
        replace_original: false,
      });
      const rotate = await fake.clickButton({
        actionId: "rotate-request",
        value: JSON.stringify({ cluster: "sim" }),
        user: "U0APPROVER2",
        channel: "C0PRODOPS",
      });
      await fake.waitForResponses(rotate.responseUrl);
      const cancel = await fake.clickButton({
        actionId: "cancel",
        value: JSON.stringify({ op: "op-1234", token: "tok_3" }),
        user: "U0ALICE",
        channel: "C0PRODOPS",
      });
      expect(cancel.status).toBe(200);
      await waitFor(() => ops.calls.length >= 4, 15_000, "the cancel reaching ops");
      expect(ops.calls.map((c) => (c.fn === "decide" ? `${c.fn}:${c.action}:${c.by.userId}` : c.fn))).toEqual(
        ["decide:approve:U0APPROVER1", "decide:approve:U0INTRUDER", "request", "cancel"],
      );
      expect(fake.responsesTo(ok.responseUrl)).toEqual([]);
    });

    it("serves /healthz and /metrics on the same port", async () => {
      const h = await fetch(`http://127.0.0.1:${bot.port}/healthz`);
      expect(h.status).toBe(200);
      expect(await h.json()).toMatchObject({
        status: "ok",
        checks: { redis: { ok: true }, slack: { ok: true } },
      });
      const m = await (await fetch(`http://127.0.0.1:${bot.port}/metrics`)).text();
      expect(m).toMatch(/rke2_chatops_slack_api_calls_total\{method="auth.test",outcome="ok"\} \d+/);
      expect(m).toMatch(/rke2_chatops_jobs_total\{queue="scan",outcome="completed"\} [1-9]/);
    });

    it("produced only messages within Block Kit limits", () => {
      expectAllWithinLimits(fake, acks);
    });
  },
);
