import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse, stringify } from "yaml";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { freePort } from "../support/free-port.js";
import { startMainProcess, type MainProcess } from "../support/main-process.js";

const ns = namespacesAvailable();
/** The bot process uses the default key prefix, so it gets a Redis database of its own. */
const DB = 10;

/** SSH ports that accept the TCP connection and then misbehave, as hung sshds and firewalls do. */
const BEHAVIOURS: Record<string, (s: Socket) => void> = {
  "hung-silent": () => undefined,
  // Not an SSH banner: binary bytes and no line end (a TLS or database port, a confused proxy).
  "hung-garbage": (s) => void s.write(Buffer.alloc(16 * 1024, "\x16\x03\x01\xff\x00", "latin1")),
  // An SSH banner, then bytes that are no SSH packet.
  "hung-badpacket": (s) =>
    void s.write(Buffer.concat([Buffer.from("SSH-2.0-OpenSSH_9.6\r\n"), Buffer.alloc(512, 0xff)])),
  "hung-close": (s) => s.destroy(),
};

interface FakePort {
  name: string;
  port: number;
  server: Server;
  accepted: () => number;
}

async function startFakePort(name: string, behave: (s: Socket) => void): Promise<FakePort> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on("error", () => undefined);
    s.on("close", () => sockets.delete(s));
    behave(s);
  });
  server.on("close", () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return { name, port, server, accepted: () => accepted };
}

/** The CLI in a child process; asynchronously, so the fake ports in this process keep answering. */
function runCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("node", ["bin/rke2-chatops.js", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

describe.skipIf(!ns.ok)("nodes whose SSH port accepts but never completes the handshake", () => {
  const redisUrl = `${inject("redisUrl")}/${DB}`;
  let sim: SimCluster;
  let fake: FakeSlack;
  let fakes: FakePort[];
  let inventory: string;
  let redis: Redis;
  let bot: MainProcess | undefined;

  beforeAll(async () => {
    [sim, fake, fakes] = await Promise.all([
      startSimCluster({ name: "edge", nodes: standardNodes(1, 1) }),
      startFakeSlack(),
      Promise.all(Object.entries(BEHAVIOURS).map(([name, fn]) => startFakePort(name, fn))),
    ]);
    const doc = parse(sim.inventoryYaml({ channel: "C0EDGEOPS" })) as {
      clusters: Array<{ nodes: unknown[] }>;
    };
    for (const f of fakes)
      doc.clusters[0]!.nodes.push({
        name: f.name,
        host: "127.0.0.1",
        port: f.port,
        role: "agent",
        hostKey: `SHA256:${"B".repeat(43)}`,
        ssh: { connectTimeoutSeconds: 1 },
      });
    inventory = join(sim.dir, "hung-inventory.yaml");
    writeFileSync(inventory, stringify(doc));
    redis = new Redis(redisUrl);
    await redis.flushdb();
  }, 120_000);
  afterAll(async () => {
    await bot?.terminate();
    await redis?.flushdb();
    redis?.disconnect();
    for (const f of fakes ?? []) f.server.close();
    await Promise.all([sim?.stop(), fake?.close()]);
  });

  it("the CLI reports them not scanned with exit 3 and scans the others", async () => {
    const r = await runCli(["certs", "--json", "--config", inventory]);
    expect(r.stderr).not.toMatch(/Unhandled 'error' event|uncaughtException/);
    expect(r.status).toBe(3);
    const nodes = (
      JSON.parse(r.stdout) as {
        clusters: Array<{
          nodes: Array<{ node: string; ok: boolean; error?: { kind: string; message: string } }>;
        }>;
      }
    ).clusters[0]!.nodes;
    const byName = Object.fromEntries(nodes.map((n) => [n.node, n]));
    for (const n of sim.nodes) expect(byName[n.name]?.ok, n.name).toBe(true);
    expect(byName["hung-silent"]).toMatchObject({
      ok: false,
      error: {
        kind: "timeout",
        message: expect.stringContaining("SSH handshake timed out with hung-silent"),
      },
    });
    expect(byName["hung-garbage"]).toMatchObject({
      ok: false,
      error: { kind: "unreachable", message: expect.stringContaining("SSH handshake with hung-garbage") },
    });
    expect(byName["hung-badpacket"]).toMatchObject({
      ok: false,
      error: { kind: "unreachable", message: expect.stringContaining("SSH handshake with hung-badpacket") },
    });
    expect(byName["hung-close"]).toMatchObject({
      ok: false,
      error: { kind: "unreachable", message: expect.stringContaining("SSH handshake with hung-close") },
    });
    // Every fake port was really tried (and retried: the failures are retryable).
    for (const f of fakes) expect(f.accepted(), f.name).toBeGreaterThanOrEqual(2);

    const table = await runCli(["certs", "--config", inventory]);
    expect(table.status).toBe(3);
    expect(table.stdout).toContain("NODES NOT SCANNED");
    expect(table.stdout).toMatch(/edge\/hung-silent: timeout: SSH handshake timed out/);
  }, 90_000);

  it("the bot's `/rke2 certs` answers the same, and the process stays up and keeps scanning", async () => {
    bot = await startMainProcess(
      {
        SLACK_BOT_TOKEN: fake.botToken,
        SLACK_SIGNING_SECRET: fake.signingSecret,
        SLACK_API_URL: fake.apiUrl,
        REDIS_URL: redisUrl,
        RKE2_CHATOPS_CONFIG: inventory,
        LOG_LEVEL: "info",
        ROLE: "all",
      },
      await freePort(),
    );
    fake.setBot(`http://127.0.0.1:${bot.port}/slack/events`);
    const r = await fake.slashCommand("certs edge", "U0ALICE", { channel: "C0EDGEOPS" });
    expect(r.status).toBe(200);
    expect(r.json?.text).toBe(":mag: Scanning edge (6 nodes)…");
    const [answer] = await fake.waitForResponses(r.responseUrl, 1, 60_000);
    const text = JSON.stringify(answer!.body);
    expect(text).toMatch(/`hung-silent` \(agent\) \*unreachable\*: timeout — SSH handshake timed out/);
    expect(text).toMatch(
      /`hung-garbage` \(agent\) \*unreachable\*: unreachable — SSH handshake with hung-garbage/,
    );
    expect(text).toMatch(
      /`hung-close` \(agent\) \*unreachable\*: unreachable — SSH handshake with hung-close/,
    );
    for (const n of sim.nodes) expect(text).not.toContain(`\`${n.name}\` (${n.role}) *unreachable*`);

    // Same process, healthy, and its scan worker still takes work: a second scan answers too.
    expect(bot.alive()).toBe(true);
    expect(() => process.kill(bot!.pid, 0)).not.toThrow();
    expect((await fetch(`http://127.0.0.1:${bot.port}/healthz`)).status).toBe(200);
    const again = await fake.slashCommand(`certs edge ${sim.nodes[0]!.name}`, "U0ALICE", {
      channel: "C0EDGEOPS",
    });
    const [second] = await fake.waitForResponses(again.responseUrl, 1, 60_000);
    expect(JSON.stringify(second!.body)).toContain(`Every other certificate on \`${sim.nodes[0]!.name}\``);
    expect(bot.alive()).toBe(true);
    expect(bot.output()).not.toMatch(/uncaughtException|unhandledRejection|Unhandled 'error' event/);
  }, 120_000);
});
