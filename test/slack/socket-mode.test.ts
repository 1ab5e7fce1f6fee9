import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Bot } from "../../src/main/start-bot.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import {
  blockActionsPayload,
  slashCommandPayload,
  startFakeSlack,
  type FakeSlack,
} from "../support/fake-slack/index.js";
import { startSocketModeServer, type SocketModeServer } from "../support/socket-mode-server.js";
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

describe.skipIf(!ns.ok)("Socket Mode against a local server speaking the protocol", () => {
  const redisUrl = inject("redisUrl");
  const prefix = newPrefix();
  let sim: SimCluster;
  let fake: FakeSlack;
  let sock: SocketModeServer;
  let bot: Bot;
  const ops = recordingOps();
  const acks: Array<{ text?: string; blocks?: unknown[] } | undefined> = [];

  beforeAll(async () => {
    sock = await startSocketModeServer();
    [sim, fake] = await Promise.all([
      startSimCluster({ name: "sim", nodes: standardNodes(1, 1) }),
      startFakeSlack({ socketUrl: () => sock.url }),
    ]);
    const env = testEnv(fake, redisUrl, { SLACK_APP_TOKEN: fake.appToken, SLACK_SIGNING_SECRET: "" });
    bot = await startTestBot(fake, { env, inventory: simInventory(sim), prefix, ops });
  });
  afterAll(async () => {
    await bot?.stop(2000);
    await Promise.all([sim?.stop(), fake?.close(), sock?.close()]);
    await cleanupPrefix(redisUrl, prefix);
  });

  const slash = async (text: string) => {
    const responseUrl = fake.newResponseUrl("C0PRODOPS", "U0ALICE");
    const ack = await sock.sendEnvelope(
      "slash_commands",
      slashCommandPayload(fake.teamId, { text, user: "U0ALICE", channel: "C0PRODOPS", responseUrl }),
    );
    acks.push(ack.payload);
    return { ack, responseUrl };
  };

  it("connects through apps.connections.open at SLACK_API_URL with the app-level token", async () => {
    expect(bot.slack?.mode).toBe("socket");
    await sock.waitForConnections(1);
    const opens = fake.callsTo("apps.connections.open");
    expect(opens).toHaveLength(1);
    expect(opens[0]!.result).toMatchObject({ ok: true, url: sock.url });
  });

  it("acknowledges a slash command envelope within 3 s, then answers through the response_url", async () => {
    const { ack, responseUrl } = await slash("certs sim");
    expect(ack.ms).toBeLessThan(3000);
    expect(ack.payload).toMatchObject({ response_type: "ephemeral", text: ":mag: Scanning sim (2 nodes)…" });
    const [answer] = await fake.waitForResponses(responseUrl, 1, 30_000);
    expect(answer!.body.text).toContain("Certificates — sim");
  });

  it("answers the server's pings", async () => {
    await sock.ping();
  });

  it("reconnects by itself after a `disconnect` (refresh_requested) and keeps acknowledging", async () => {
    sock.disconnect("refresh_requested");
    await sock.waitForConnections(2, 20_000);
    expect(fake.callsTo("apps.connections.open")).toHaveLength(2);
    const { ack } = await slash("help");
    expect(JSON.stringify(ack.payload)).toContain("/rke2 certs [cluster] [node]");
  });

  it("reconnects after the socket is dropped, and acknowledges button clicks", async () => {
    sock.drop();
    await sock.waitForConnections(3, 30_000);
    const click = blockActionsPayload(fake.teamId, {
      actionId: "reject",
      value: JSON.stringify({ op: "op-5678", token: "tok_9" }),
      user: "U0APPROVER1",
      channel: "C0PRODOPS",
      responseUrl: fake.newResponseUrl("C0PRODOPS", "U0APPROVER1"),
    });
    const ack = await sock.sendEnvelope("interactive", click);
    expect(ack.ms).toBeLessThan(3000);
    await waitFor(() => ops.calls.length === 1, 5000, "the decision to reach the operations API");
    expect(ops.calls[0]).toMatchObject({
      fn: "decide",
      operationId: "op-5678",
      action: "reject",
      token: "tok_9",
      by: { userId: "U0APPROVER1" },
    });
  });

  it("still serves /healthz and /metrics on PORT", async () => {
    const h = await fetch(`http://127.0.0.1:${bot.port}/healthz`);
    expect(h.status).toBe(200);
    const m = await (await fetch(`http://127.0.0.1:${bot.port}/metrics`)).text();
    expect(m).toMatch(/rke2_chatops_slack_api_calls_total\{method="apps.connections.open",outcome="ok"\} 3/);
    expect(
      await fetch(`http://127.0.0.1:${bot.port}/slack/events`, { method: "POST" }).then((r) => r.status),
    ).toBe(404);
  });

  it("produced only messages within Block Kit limits", () => {
    expectAllWithinLimits(fake, acks);
  });
});
