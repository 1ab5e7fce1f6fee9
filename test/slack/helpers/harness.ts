import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import type { KnownBlock } from "@slack/types";
import { expect } from "vitest";
import { readEnv, type Env } from "../../../src/config/env.js";
import { loadInventory } from "../../../src/config/load-inventory.js";
import type { Inventory } from "../../../src/config/inventory.js";
import { startBot, type Bot, type BotOptions } from "../../../src/main/start-bot.js";
import { silentLogger } from "../../../src/shared/logger.js";
import { checkMessageLimits } from "../../../src/slack/blocks/limits.js";
import type { FakeSlack } from "../../support/fake-slack/index.js";
import type { InventoryExtra, SimCluster } from "../../rig/sim-cluster.js";

export const newPrefix = () => `t${randomUUID().slice(0, 8)}`;

export function testEnv(
  fake: FakeSlack,
  redisUrl: string,
  extra: Partial<Record<keyof Env, string>> = {},
): Env {
  return readEnv({
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_SIGNING_SECRET: fake.signingSecret,
    SLACK_API_URL: fake.apiUrl,
    PORT: "0",
    REDIS_URL: redisUrl,
    LOG_LEVEL: "warn",
    ROLE: "all",
    ...extra,
  });
}

export function simInventory(sim: SimCluster, extra: InventoryExtra = {}): Inventory {
  const path = join(sim.dir, `inventory-${randomUUID().slice(0, 6)}.yaml`);
  writeFileSync(
    path,
    sim.inventoryYaml({ channel: "C0PRODOPS", approvers: ["U0APPROVER1", "U0APPROVER2"], ...extra }),
  );
  return loadInventory(path);
}

/** Start the real composition root against the fake Slack; point the fake's signed requests at it. */
export async function startTestBot(
  fake: FakeSlack,
  o: Omit<BotOptions, "logger"> & { logger?: BotOptions["logger"] },
): Promise<Bot> {
  const bot = await startBot({ logger: silentLogger, host: "127.0.0.1", ...o });
  if (bot.role !== "worker") fake.setBot(`http://127.0.0.1:${bot.port}/slack/events`);
  return bot;
}

/** Delete every key a test wrote under its prefix. */
export async function cleanupPrefix(redisUrl: string, prefix: string): Promise<void> {
  const r = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== "0");
  } finally {
    r.disconnect();
  }
}

/** Every message the bot produced (posts, updates, response_url answers) is within Block Kit limits. */
export function expectAllWithinLimits(
  fake: FakeSlack,
  acks: Array<{ text?: string; blocks?: unknown[] } | undefined> = [],
): void {
  const problems: string[] = [];
  const check = (what: string, m: { text?: string; blocks?: unknown[] }) => {
    // What the fake Slack recorded is the bot's own typed Block Kit, parsed back from the wire.
    const sent = m as { text?: string; blocks?: KnownBlock[] };
    for (const p of checkMessageLimits(sent)) problems.push(`${what}: ${p}`);
  };
  for (const m of fake.model.allMessages()) for (const v of m.history) check(`message ${m.ts}`, v);
  for (const r of fake.responses) if (r.status === 200) check(`response ${r.url}`, r.body);
  for (const a of acks) if (a) check("ack", a);
  expect(problems).toEqual([]);
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
