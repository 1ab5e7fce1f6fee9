import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { freePort } from "../support/free-port.js";
import { startMainProcess, type MainProcess, writeOfflineInventory } from "../support/main-process.js";
import { waitFor } from "./helpers/harness.js";

/** The process uses the default key prefix, so it gets a Redis database of its own. */
const DB = 8;

describe("the process failure policy of the real entry point (README: Process failure policy)", () => {
  const redisUrl = `${inject("redisUrl")}/${DB}`;
  let fake: FakeSlack;
  let bot: MainProcess;
  let dir: string;
  let redis: Redis;

  beforeAll(async () => {
    fake = await startFakeSlack();
    redis = new Redis(redisUrl);
    await redis.flushdb();
    dir = mkdtempSync(join(tmpdir(), "failure-policy-"));
    const inventory = writeOfflineInventory(dir);
    const env = {
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: fake.signingSecret,
      SLACK_API_URL: fake.apiUrl,
      REDIS_URL: redisUrl,
      RKE2_CHATOPS_CONFIG: inventory,
      LOG_LEVEL: "info",
      ROLE: "all",
    };
    const injector = new URL("../support/fault-injector.mjs", import.meta.url).href;
    bot = await startMainProcess(env, await freePort(), ["--import", injector]);
    fake.setBot(`http://127.0.0.1:${bot.port}/slack/events`);
  }, 60_000);
  afterAll(async () => {
    await bot?.terminate();
    await redis?.flushdb();
    redis?.disconnect();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("logs an unhandled rejection and keeps serving", async () => {
    bot.child.kill("SIGUSR2");
    await waitFor(
      () => bot.output().includes("injected unhandled rejection"),
      10_000,
      "the rejection log line",
    );
    const line = bot
      .output()
      .split("\n")
      .find((l) => l.includes("injected unhandled rejection"))!;
    expect(JSON.parse(line)).toMatchObject({ level: 50, event: "unhandledRejection" });
    expect(bot.alive()).toBe(true);
    expect((await fetch(`http://127.0.0.1:${bot.port}/healthz`)).status).toBe(200);
    const help = await fake.slashCommand("help", "U0ALICE", { channel: "C0EDGEOPS" });
    expect(JSON.stringify(help.json)).toContain("/rke2 certs [cluster] [node]");
  });

  it("logs an uncaught exception as fatal, shuts down gracefully and exits 70", async () => {
    const started = Date.now();
    bot.child.kill("SIGWINCH");
    const code = await new Promise<number | null>((resolve) => bot.child.once("exit", (c) => resolve(c)));
    expect(code).toBe(70);
    expect(Date.now() - started).toBeLessThan(15_000);
    const lines = bot
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { level: number; event?: string; msg: string; err?: { message: string } });
    const fatal = lines.find((l) => l.event === "uncaughtException");
    expect(fatal).toMatchObject({ level: 60, err: { message: "injected uncaught exception" } });
    // …then the same graceful stop as SIGTERM.
    const after = lines.slice(lines.indexOf(fatal!));
    expect(after.map((l) => l.msg)).toEqual(
      expect.arrayContaining(["shutting down", "rke2-chatops stopped"]),
    );
  }, 30_000);
});
