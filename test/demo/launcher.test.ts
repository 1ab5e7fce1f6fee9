// The launcher's pieces that need no cluster: arguments, prerequisite messages, the inventory it writes,
// and what the message box and buttons send (checked against a stub bot that verifies signatures).
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDemoArgs } from "../../demo/lib/demo-args.js";
import { DEMO_CHANNEL } from "../../demo/lib/demo-cluster.js";
import { demoInventoryYaml } from "../../demo/lib/demo-inventory.js";
import { checkNodes } from "../../demo/lib/prerequisites.js";
import { clickButton, SLACKBOT, typeMessage } from "../../demo/lib/slack-actions.js";
import { parseInventory } from "../../src/config/load-inventory.js";
import { buildInventoryYaml } from "../rig/inventory.js";
import type { SimCluster } from "../rig/sim-cluster.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { freePort } from "../support/free-port.js";

describe("demo arguments and prerequisites", () => {
  it("parses --port and --log-level, with DEMO_PORT and a default", () => {
    expect(parseDemoArgs([], {})).toEqual({ port: 8377, logLevel: "info" });
    expect(parseDemoArgs(["--port", "0", "--log-level=debug"], {})).toEqual({ port: 0, logLevel: "debug" });
    expect(parseDemoArgs([], { DEMO_PORT: "9000" })).toEqual({ port: 9000, logLevel: "info" });
    expect(parseDemoArgs(["--port", "x"], {})).toEqual({ error: "--port: expected 0-65535" });
    expect(parseDemoArgs(["--nope"], {})).toEqual({ error: "unknown argument: --nope" });
  });

  it("runs the nodes on ssh2 servers without root when user namespaces work, and says what to run when not", () => {
    expect(checkNodes(1000, () => ({ ok: true }))).toEqual({ ok: true, nodeHost: "ssh2" });
    const r = checkNodes(1000, () => ({
      ok: false,
      reason: "unprivileged user namespaces are not available (unshare -rm: Operation not permitted)",
    }));
    expect(r.ok).toBe(false);
    const message = (r as { message: string }).message;
    expect(message).not.toContain("\n");
    expect(message).toMatch(/^cannot simulate the nodes as uid 1000: unprivileged user namespaces/);
    expect(message).toContain("sudo npm run demo");
    expect(message).toMatch(/container command in README\.md/);
  });

  it("uses OpenSSH nodes as root", () => {
    expect(checkNodes(0, () => ({ ok: false, reason: "not consulted as root" }))).toEqual({
      ok: true,
      nodeHost: "sshd",
    });
  });
});

describe("demo inventory", () => {
  it("is an ordinary inventory: demo users as approvers, short waits, the daily schedule", () => {
    const nodes = ["cp-1", "agent-1"].map((name, i) => ({
      name,
      role: i === 0 ? "server" : "agent",
      port: 2200 + i,
      hostKeyFingerprint: `SHA256:${"A".repeat(42)}${i}`,
    }));
    const sim = {
      inventoryYaml: (extra) => buildInventoryYaml({ name: "demo", clientKeyPath: "/tmp/key", nodes }, extra),
    } as Pick<SimCluster, "inventoryYaml"> as SimCluster;
    const inv = parseInventory(demoInventoryYaml(sim), "/tmp/rke2-chatops.yaml");
    expect(inv.approvals).toEqual({
      approvers: ["U0BOB", "U0CAROL"],
      requireDistinctApprover: true,
      expireAfterMinutes: 60,
      approvalsRequired: { default: 1 },
    });
    expect(inv.operations).toMatchObject({ agentRenewalGraceSeconds: 2, pollIntervalSeconds: 1 });
    expect(inv.report.schedule).toBe("0 8 * * *");
    expect(inv.clusters[0]).toMatchObject({ name: "demo", channel: DEMO_CHANNEL });
  });
});

describe("message box and buttons", () => {
  let fake: FakeSlack;
  let bot: Server;
  const received: Array<Record<string, string>> = [];

  beforeAll(async () => {
    fake = await startFakeSlack({ signingSecret: "s3cret" });
    bot = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        const ts = String(req.headers["x-slack-request-timestamp"]);
        const want = `v0=${createHmac("sha256", "s3cret").update(`v0:${ts}:${body}`).digest("hex")}`;
        const got = String(req.headers["x-slack-signature"]);
        if (want.length !== got.length || !timingSafeEqual(Buffer.from(want), Buffer.from(got))) {
          res.writeHead(401).end();
          return;
        }
        received.push(Object.fromEntries(new URLSearchParams(body)));
        res.writeHead(200, { "content-type": "application/json" });
        res.end(body.startsWith("payload=") ? "" : JSON.stringify({ text: "Scanning demo (5 nodes)…" }));
      });
    });
    await new Promise<void>((r) => bot.listen(0, "127.0.0.1", r));
    fake.setBot(`http://127.0.0.1:${(bot.address() as AddressInfo).port}/slack/events`);
  });
  afterAll(async () => {
    await fake?.close();
    await new Promise((r) => bot?.close(r));
  });

  const ctx = () => ({ fake, channel: DEMO_CHANNEL });
  const visibleTo = (user: string) => fake.model.view(DEMO_CHANNEL, user).messages;

  it("sends /rke2 as a signed slash command and shows the echo and the ack to its author only", async () => {
    expect(await typeMessage(ctx(), "U0ALICE", "/rke2 certs demo")).toEqual({ status: 200 });
    expect(received.at(-1)).toMatchObject({
      command: "/rke2",
      text: "certs demo",
      user_id: "U0ALICE",
      channel_id: DEMO_CHANNEL,
    });
    expect(received.at(-1)?.response_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/response\//);
    expect(
      visibleTo("U0ALICE")
        .slice(-2)
        .map((m) => [m.user, m.text]),
    ).toEqual([
      ["U0ALICE", "/rke2 certs demo"],
      [fake.botUserId, "Scanning demo (5 nodes)…"],
    ]);
    expect(visibleTo("U0BOB")).toEqual([]);
  });

  it("answers other slash commands as Slack does, and posts plain text as a message", async () => {
    expect(await typeMessage(ctx(), "U0BOB", "/deploy now")).toEqual({ status: 404 });
    expect(visibleTo("U0BOB").at(-1)).toMatchObject({ user: SLACKBOT, ephemeralFor: "U0BOB" });
    await typeMessage(ctx(), "U0CAROL", "hello *team*");
    expect(visibleTo("U0ALICE").at(-1)).toMatchObject({ user: "U0CAROL", text: "hello *team*" });
  });

  it("sends button clicks as signed block_actions payloads", async () => {
    const value = JSON.stringify({ op: "rot-abc123", token: "tok" });
    expect(
      await clickButton(ctx(), { user: "U0BOB", actionId: "approve", value, messageTs: "1.000001" }),
    ).toEqual({ status: 200 });
    const payload = JSON.parse(received.at(-1)!.payload!) as {
      user: { id: string };
      actions: Array<{ action_id: string; value: string }>;
    };
    expect(payload.user.id).toBe("U0BOB");
    expect(payload.actions[0]).toMatchObject({ action_id: "approve", value });
  });

  it("tells the author when the bot refuses the request", async () => {
    fake.setBot(`http://127.0.0.1:${await freePort()}/slack/events`); // nothing listens there
    expect((await typeMessage(ctx(), "U0ALICE", "/rke2 help")).status).toBe(502);
    expect(visibleTo("U0ALICE").at(-1)?.text).toMatch(/dispatch_failed/);
  });
});
