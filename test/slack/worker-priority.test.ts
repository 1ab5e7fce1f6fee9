import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { freePort } from "../support/free-port.js";
import { startMainProcess, writeOfflineInventory } from "../support/main-process.js";

/** The processes use the default key prefix, so they get a Redis database of their own. */
const DB = 13;

/** Nice value of each thread of `pid`, by thread name (/proc/<pid>/task/<tid>/stat, field 19). */
function threadNices(pid: number): Array<{ name: string; nice: number; main: boolean }> {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    return { name, nice: Number(fields[16]), main: Number(tid) === pid };
  });
}

describe("the worker's batch work yields the CPU to Slack acks (WORKER_NICE)", () => {
  const redisUrl = `${inject("redisUrl")}/${DB}`;
  let fake: FakeSlack;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    fake = await startFakeSlack();
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    redis.disconnect();
    dir = mkdtempSync(join(tmpdir(), "worker-nice-"));
    const inventory = writeOfflineInventory(dir);
    env = {
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: fake.signingSecret,
      SLACK_API_URL: fake.apiUrl,
      REDIS_URL: redisUrl,
      RKE2_CHATOPS_CONFIG: inventory,
      LOG_LEVEL: "warn",
    };
  }, 60_000);
  afterAll(async () => {
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const nicesOf = async (extra: Record<string, string>) => {
    const p = await startMainProcess({ ...env, ...extra }, await freePort());
    try {
      return threadNices(p.pid);
    } finally {
      await p.terminate();
    }
  };

  it("ROLE=worker runs at nice 10 by default; ROLE=web stays at 0", async () => {
    const worker = await nicesOf({ ROLE: "worker" });
    expect(worker.find((t) => t.main)!.nice).toBe(10);
    const web = await nicesOf({ ROLE: "web" });
    expect(web.map((t) => t.nice)).toEqual(web.map(() => 0));
  });

  it("ROLE=all lowers only its worker thread: the main thread answering Slack stays at 0", async () => {
    const all = await nicesOf({ ROLE: "all" });
    expect(all.find((t) => t.main)!.nice).toBe(0);
    expect(all.filter((t) => t.nice === 10).length).toBeGreaterThan(0);
  });

  it("WORKER_NICE=0 leaves the worker at the web's priority", async () => {
    const worker = await nicesOf({ ROLE: "worker", WORKER_NICE: "0" });
    expect(worker.find((t) => t.main)!.nice).toBe(0);
  });
});
