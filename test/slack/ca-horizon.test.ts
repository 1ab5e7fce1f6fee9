import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Bot } from "../../src/main/start-bot.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { DAY_MS, ShiftedClock } from "../support/shifted-clock.js";
import { cleanupPrefix, newPrefix, simInventory, startTestBot, testEnv, waitFor } from "./helpers/harness.js";

const ns = namespacesAvailable();
const DAY = 86_400_000;

describe.skipIf(!ns.ok)(
  "CA horizon: the soonest CA in the header, alerts at 365/180/90/30 days once each",
  () => {
    const redisUrl = inject("redisUrl");
    const prefix = newPrefix();
    const clock = new ShiftedClock(); // ages the certificates without waiting
    let sim: SimCluster;
    let fake: FakeSlack;
    let bot: Bot;
    let redis: Redis;
    let alertQueue: Queue;
    let caNotAfter: Date;

    beforeAll(async () => {
      [sim, fake] = await Promise.all([
        startSimCluster({ name: "sim", nodes: standardNodes(1, 1) }),
        startFakeSlack(),
      ]);
      caNotAfter = new Date(
        new X509Certificate(readFileSync(join(sim.dir, "cluster", "ca", "server-ca.crt"))).validTo,
      );
      redis = new Redis(redisUrl);
      alertQueue = new Queue("alert", { connection: redis, prefix });
      const inv = simInventory(sim);
      bot = await startTestBot(fake, {
        env: testEnv(fake, redisUrl),
        // Eight scans in a minute: above the default per-user scan limit.
        inventory: { ...inv, limits: { ...inv.limits, scansPerUserPerMinute: 100 } },
        prefix,
        clock,
      });
    });
    afterAll(async () => {
      await bot?.stop(2000);
      await alertQueue?.close();
      redis?.disconnect();
      await Promise.all([sim?.stop(), fake?.close()]);
      await cleanupPrefix(redisUrl, prefix);
    });

    const caAlerts = () =>
      fake.model
        .topLevel("C0PRODOPS")
        .filter(
          (m) => m.text.includes("Certificate alert") && JSON.stringify(m.blocks).includes("rotate-ca"),
        );
    /** `/rke2 certs sim`; resolves with its answer once every alert it queued was handled. */
    const scan = async (): Promise<string> => {
      const r = await fake.slashCommand("certs sim", "U0ALICE", { channel: "C0PRODOPS" });
      const [answer] = await fake.waitForResponses(r.responseUrl, 1, 30_000);
      await waitFor(
        async () => {
          const c = await alertQueue.getJobCounts("waiting", "active", "delayed", "prioritized");
          return Object.values(c).every((n) => n === 0);
        },
        15_000,
        "alert queue to drain",
      );
      return JSON.stringify(answer!.body);
    };
    const daysToCa = () => (caNotAfter.getTime() - clock.now().getTime()) / DAY;

    it("names the soonest CA expiry and counts leaves apart from CAs, with no CA alert years ahead", async () => {
      const answer = await scan();
      expect(answer).toContain(
        `CA expiry: ${caNotAfter.toISOString().slice(0, 10)}, in ${Math.floor(daysToCa())} days`,
      );
      expect(answer).toMatch(/\d+ leaf certificates, \d+ CAs/);
      expect(answer).not.toContain("rotate-ca");
      expect(caAlerts()).toHaveLength(0);
    });

    it("alerts once when the CAs are within 365 days, pointing at rke2 certificate rotate-ca", async () => {
      clock.offsetMs = (Math.ceil(daysToCa()) - 200) * DAY_MS;
      const answer = await scan();
      expect(answer).toContain(":warning: CA expiry:");
      expect(answer).toContain("plan `rke2 certificate rotate-ca`");
      expect(caAlerts()).toHaveLength(1);
      const body = JSON.stringify(caAlerts()[0]!.blocks);
      expect(body).toContain("is below the *365-day* alert threshold");
      expect(body).toContain("rke2 certificate rotate-ca --path=&lt;dir&gt;");
      // Named by the CA's own file on a server, not by a bundle that also carries it.
      expect(body).toMatch(/`\/var\/lib\/rancher\/rke2\/server\/tls\/server-ca(\.nochain)?\.crt`/);
      await scan();
      expect(caAlerts()).toHaveLength(1);
    });

    it("alerts again at each lower threshold (180, 90, 30), once each", async () => {
      for (const [left, threshold, n] of [
        [150, 180, 2],
        [60, 90, 3],
        [20, 30, 4],
      ] as const) {
        clock.advance((Math.ceil(daysToCa()) - left) * DAY_MS);
        await scan();
        await scan();
        expect(caAlerts()).toHaveLength(n);
        expect(JSON.stringify(caAlerts()[n - 1]!.blocks)).toContain(
          `is below the *${threshold}-day* alert threshold`,
        );
      }
    });
  },
);
