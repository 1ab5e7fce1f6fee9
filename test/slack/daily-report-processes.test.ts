import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../support/free-port.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { startBotProcess, type BotProcess } from "./helpers/bot-process.js";
import { waitFor } from "./helpers/harness.js";
import { writeTwoClusterInventory } from "./helpers/two-cluster-inventory.js";

const ns = namespacesAvailable();
/** The processes use the default key prefix, so they get a Redis database of their own. */
const DB = 11;

describe.skipIf(!ns.ok)("two bot processes sharing Redis, every-minute schedule", () => {
  const redisUrl = `${inject("redisUrl")}/${DB}`;
  let sim: SimCluster;
  let fake: FakeSlack;
  let redis: Redis;
  const procs: BotProcess[] = [];

  beforeAll(async () => {
    [sim, fake] = await Promise.all([
      startSimCluster({ name: "sim", nodes: standardNodes(1, 1) }),
      startFakeSlack(),
    ]);
    redis = new Redis(redisUrl);
    await redis.flushdb();
    const env = {
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: fake.signingSecret,
      SLACK_API_URL: fake.apiUrl,
      REDIS_URL: redisUrl,
      RKE2_CHATOPS_CONFIG: writeTwoClusterInventory(sim, { schedule: "* * * * *" }),
      LOG_LEVEL: "info",
    };
    // One web+worker process and one worker-only process: both run report jobs.
    procs.push(await startBotProcess({ ...env, ROLE: "all" }, await freePort()));
    procs.push(await startBotProcess({ ...env, ROLE: "worker" }, await freePort()));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.terminate()));
    await redis?.flushdb();
    redis?.disconnect();
    await Promise.all([sim?.stop(), fake?.close()]);
  });

  const reports = (channel: string) =>
    fake.model.topLevel(channel).filter((m) => m.text.includes("Certificate expiry report"));

  it("posts exactly one report per cluster for a firing, within 45 s of it", async () => {
    await waitFor(
      () => reports("C0PRODOPS").length >= 1 && reports("C0EDGEOPS").length >= 1,
      75_000,
      "the first firing's reports",
    );
    const keys = await redis.keys("rke2-chatops:state:report:posted:*");
    const firings = [...new Set(keys.map((k) => Number(k.split(":")[4])))];
    expect(firings).toHaveLength(1);
    const firingMs = firings[0]!;
    expect(firingMs % 60_000).toBe(0);
    for (const channel of ["C0PRODOPS", "C0EDGEOPS"]) {
      const postedSec = Number(reports(channel)[0]!.ts.split(".")[0]);
      expect(postedSec * 1000 - firingMs).toBeLessThan(45_000);
    }
    // Whatever the other process does meanwhile, this firing stays at one message per cluster.
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(5000, firingMs + 55_000 - Date.now()))));
    const after = await redis.keys(`rke2-chatops:state:report:posted:${firingMs}:*`);
    const postedFor = (cluster: string) => after.filter((k) => k.endsWith(`:${cluster}`)).length;
    expect([postedFor("sim"), postedFor("edge")]).toEqual([1, 1]);
    expect(
      reports("C0PRODOPS").filter((m) => Number(m.ts.split(".")[0]) * 1000 < firingMs + 60_000),
    ).toHaveLength(1);
    expect(
      reports("C0EDGEOPS").filter((m) => Number(m.ts.split(".")[0]) * 1000 < firingMs + 60_000),
    ).toHaveLength(1);
  }, 90_000);

  it("stops within 15 s of SIGTERM, with exit code 0", async () => {
    const results = await Promise.all(procs.map((p) => p.terminate()));
    for (const r of results) {
      expect(r.code).toBe(0);
      expect(r.ms).toBeLessThan(15_000);
    }
  }, 30_000);
});
