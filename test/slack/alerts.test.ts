import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Inventory } from "../../src/config/inventory.js";
import type { Bot } from "../../src/main/start-bot.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { sendSlashCommand, startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { DAY_MS, ShiftedClock } from "../support/shifted-clock.js";
import {
  cleanupPrefix,
  expectAllWithinLimits,
  newPrefix,
  simInventory,
  startTestBot,
  testEnv,
  waitFor,
} from "./helpers/harness.js";

const ns = namespacesAvailable();

describe.skipIf(!ns.ok)("threshold alerts: once per crossing, across scans, restarts and replicas", () => {
  const redisUrl = inject("redisUrl");
  const prefix = newPrefix();
  const clock = new ShiftedClock(); // ages the certificates without waiting
  let sim: SimCluster;
  let fake: FakeSlack;
  let inventory: Inventory;
  let bot: Bot;
  let redis: Redis;
  let alertQueue: Queue;

  beforeAll(async () => {
    const nodes = standardNodes(3, 2);
    nodes[0]!.certs = { overrides: { "server/tls/client-controller.crt": { notAfterDays: 20 } } };
    [sim, fake] = await Promise.all([startSimCluster({ name: "sim", nodes }), startFakeSlack()]);
    // Many scans by one user within a minute: lift the per-user scan limit.
    inventory = { ...simInventory(sim), limits: { scansPerUserPerMinute: 1000 } };
    redis = new Redis(redisUrl);
    alertQueue = new Queue("alert", { connection: redis, prefix });
    bot = await start();
  });
  afterAll(async () => {
    await bot?.stop(2000);
    await alertQueue?.close();
    redis?.disconnect();
    await Promise.all([sim?.stop(), fake?.close()]);
    await cleanupPrefix(redisUrl, prefix);
  });

  const start = () => startTestBot(fake, { env: testEnv(fake, redisUrl), inventory, prefix, clock });
  const alerts = (kind = "Certificate alert") =>
    fake.model.topLevel("C0PRODOPS").filter((m) => m.text.includes(kind));
  /** Run `/rke2 certs sim`, wait for its answer and for every alert it queued to be handled. */
  const scan = async () => {
    const r = await fake.slashCommand("certs sim", "U0ALICE", { channel: "C0PRODOPS" });
    await fake.waitForResponses(r.responseUrl, 1, 30_000);
    await waitFor(
      async () => {
        const c = await alertQueue.getJobCounts("waiting", "active", "delayed", "prioritized");
        return Object.values(c).every((n) => n === 0);
      },
      15_000,
      "alert queue to drain",
    );
  };

  it("alerts once for the lowest threshold crossed, mentioning every approver, with a rotate button", async () => {
    await scan();
    expect(alerts()).toHaveLength(1);
    const [a] = alerts();
    expect(a!.text).toMatch(/^<@U0APPROVER1> <@U0APPROVER2> :rotating_light: Certificate alert — sim — cp-1/);
    const body = JSON.stringify(a!.blocks);
    expect(body).toContain("client-controller.crt");
    expect(body).toContain("is below the *30-day* alert threshold");
    expect(body).toContain('"action_id":"rotate-request"');
    expect(a!.threadTs).toBeUndefined();
  });

  it("does not alert again for the same crossing: not on the next scan, not after a restart", async () => {
    await scan();
    expect(alerts()).toHaveLength(1);
    await bot.stop(2000);
    bot = await start();
    await scan();
    expect(alerts()).toHaveLength(1);
  });

  it("alerts again when the certificate crosses a lower threshold", async () => {
    clock.offsetMs = 14 * DAY_MS; // 6 days left now: below 7
    await scan();
    expect(alerts()).toHaveLength(2);
    expect(JSON.stringify(alerts()[1]!.blocks)).toContain("is below the *7-day* alert threshold");
    await scan();
    expect(alerts()).toHaveLength(2);
  });

  it("alerts once when two replicas scan the same crossing at the same moment", async () => {
    clock.offsetMs = 18 * DAY_MS; // 2 days left: below 3
    const replica = await startTestBot(fake, { env: testEnv(fake, redisUrl), inventory, prefix, clock });
    try {
      const target = (port: number) => ({
        eventsUrl: `http://127.0.0.1:${port}/slack/events`,
        signingSecret: fake.signingSecret,
        teamId: fake.teamId,
      });
      const urls = [fake.newResponseUrl("C0PRODOPS", "U0ALICE"), fake.newResponseUrl("C0PRODOPS", "U0BOB")];
      await Promise.all([
        sendSlashCommand(target(bot.port), {
          text: "certs sim",
          user: "U0ALICE",
          channel: "C0PRODOPS",
          responseUrl: urls[0]!,
        }),
        // Another scope ("all clusters"), so it is a second scan, not one joining the first.
        sendSlashCommand(target(replica.port), {
          text: "certs",
          user: "U0BOB",
          channel: "C0PRODOPS",
          responseUrl: urls[1]!,
        }),
      ]);
      await Promise.all(urls.map((u) => fake.waitForResponses(u, 1, 30_000)));
      await scan();
      expect(alerts()).toHaveLength(3);
      expect(JSON.stringify(alerts()[2]!.blocks)).toContain("is below the *3-day* alert threshold");
    } finally {
      await replica.stop(2000);
      fake.setBot(`http://127.0.0.1:${bot.port}/slack/events`);
    }
  });

  it("alerts once when a node is unreachable two scans in a row, and re-arms after it is back", async () => {
    await sim.stopSshd("agent-2");
    await scan();
    expect(alerts("Node unreachable")).toHaveLength(0);
    await scan();
    expect(alerts("Node unreachable")).toHaveLength(1);
    expect(alerts("Node unreachable")[0]!.text).toContain("Node unreachable — sim — agent-2");
    await scan();
    expect(alerts("Node unreachable")).toHaveLength(1);
    await sim.startSshd("agent-2");
    await scan();
    expect(await redis.get(`${prefix}:state:scan:failures:sim:agent-2`)).toBeNull();
  });

  it("produced only messages within Block Kit limits", () => {
    expectAllWithinLimits(fake);
  });
});
