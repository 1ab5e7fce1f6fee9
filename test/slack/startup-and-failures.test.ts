import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Bot } from "../../src/main/start-bot.js";
import { startBot } from "../../src/main/start-bot.js";
import { createLogger } from "../../src/shared/logger.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { cleanupPrefix, newPrefix, simInventory, startTestBot, testEnv, waitFor } from "./helpers/harness.js";
import { recordingOps } from "./helpers/recording-ops.js";

const ns = namespacesAvailable();

describe.skipIf(!ns.ok)("start-up checks and Slack failures a human has to act on", () => {
  const redisUrl = inject("redisUrl");
  const prefix = newPrefix();
  let sim: SimCluster;
  let fake: FakeSlack;
  const bots: Bot[] = [];

  beforeAll(async () => {
    const nodes = standardNodes(1, 1);
    nodes[0]!.certs = { overrides: { "server/tls/client-controller.crt": { notAfterDays: 10 } } };
    [sim, fake] = await Promise.all([startSimCluster({ name: "sim", nodes }), startFakeSlack()]);
  });
  afterAll(async () => {
    await Promise.all(bots.map((b) => b.stop(2000)));
    await Promise.all([sim?.stop(), fake?.close()]);
    await cleanupPrefix(redisUrl, prefix);
  });

  it("refuses to start with a bad bot token, saying so clearly and never logging the token", async () => {
    const lines: string[] = [];
    const logger = createLogger("info", { write: (s: string) => void lines.push(s) });
    const env = { ...testEnv(fake, redisUrl), SLACK_BOT_TOKEN: "xoxb-revoked-0000-secret" };
    const err = await startBot({
      env,
      inventory: simInventory(sim),
      logger,
      prefix,
      host: "127.0.0.1",
      ops: recordingOps(),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "invalid_auth", retryable: false });
    const log = lines.join("");
    expect(log).toContain("Slack rejected SLACK_BOT_TOKEN at start-up: invalid_auth");
    expect(log).toContain("reinstall the app from manifest.yml and set the new xoxb- token");
    expect(log).not.toContain("xoxb-revoked-0000-secret");
  });

  it("runs a worker-only process with /healthz and /metrics but no Slack endpoint", async () => {
    const worker = await startTestBot(fake, {
      env: testEnv(fake, redisUrl, { ROLE: "worker" }),
      inventory: simInventory(sim),
      prefix,
      ops: recordingOps(),
    });
    bots.push(worker);
    const base = `http://127.0.0.1:${worker.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    expect((await fetch(`${base}/slack/events`, { method: "POST", body: "x" })).status).toBe(404);
  });

  it("reports /healthz and /readyz 503 when Slack stops accepting the token, /livez 200", async () => {
    const web = await startTestBot(fake, {
      env: testEnv(fake, redisUrl, { ROLE: "web" }),
      inventory: simInventory(sim),
      prefix,
      ops: recordingOps(),
    });
    bots.push(web);
    fake.failNext("auth.test", { error: "token_revoked", times: 10 });
    const res = await fetch(`http://127.0.0.1:${web.port}/healthz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as {
      status: string;
      checks: Record<string, { ok: boolean; error?: string }>;
    };
    expect(body.status).toBe("degraded");
    expect(body.checks.redis!.ok).toBe(true);
    expect(body.checks.slack).toMatchObject({ ok: false, error: expect.stringContaining("token_revoked") });
    // Readiness says the same; liveness does not depend on Slack or Redis, so a probe does not restart-loop.
    expect((await fetch(`http://127.0.0.1:${web.port}/readyz`)).status).toBe(503);
    const live = await fetch(`http://127.0.0.1:${web.port}/livez`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: "ok" });
    fake.clearFailures();
  });

  it("drops no alert: one whose post failed for good is queued again by the next scan", async () => {
    fake.failNext("chat.postMessage", { error: "invalid_blocks", channel: "C0PRODOPS" });
    const r = await fake.slashCommand("certs sim", "U0ALICE", { channel: "C0PRODOPS" });
    await fake.waitForResponses(r.responseUrl, 1, 30_000);
    await fake.waitForCall("chat.postMessage", (c) => c.result?.error === "invalid_blocks", 20_000);
    const redis = new Redis(redisUrl);
    const alertQueue = new Queue("alert", { connection: redis, prefix });
    try {
      // Given up at once (a retry cannot fix invalid_blocks): claims released, job id freed.
      await waitFor(
        async () =>
          (await alertQueue.getJobCounts("failed", "active", "waiting", "delayed")).failed === 0 &&
          (await redis.keys(`${prefix}:state:alert:sent:*`)).length === 0,
        10_000,
        "the failed alert to be released",
      );
    } finally {
      await alertQueue.close();
      redis.disconnect();
    }
    expect(fake.model.topLevel("C0PRODOPS").some((m) => m.text.includes("Certificate alert"))).toBe(false);
  });

  it("tells the requester to invite the bot when an alert cannot be posted in the cluster's channel", async () => {
    fake.failNext("chat.postMessage", { error: "not_in_channel", channel: "C0PRODOPS", times: 1 });
    const r = await fake.slashCommand("certs sim", "U0ALICE", { channel: "C0PRODOPS" });
    const answers = await fake.waitForResponses(r.responseUrl, 2, 30_000);
    const invite = answers.find((a) => a.body.text?.includes("invite me"));
    expect(invite?.body.text).toBe(
      ":warning: I could not post an alert about cp-1 in <#C0PRODOPS>: invite me with `/invite @rke2-chatops` in <#C0PRODOPS>.",
    );
    // …and the alert itself is retried, not dropped.
    await waitFor(
      () => fake.model.topLevel("C0PRODOPS").some((m) => m.text.includes("Certificate alert — sim — cp-1")),
      40_000,
      "the retried alert",
    );
  }, 60_000);
});
