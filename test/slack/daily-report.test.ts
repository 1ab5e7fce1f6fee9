import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadInventory } from "../../src/config/load-inventory.js";
import type { Inventory } from "../../src/config/inventory.js";
import type { Bot } from "../../src/main/start-bot.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import {
  cleanupPrefix,
  expectAllWithinLimits,
  newPrefix,
  startTestBot,
  testEnv,
  waitFor,
} from "./helpers/harness.js";
import { writeTwoClusterInventory } from "./helpers/two-cluster-inventory.js";

const ns = namespacesAvailable();

describe.skipIf(!ns.ok)(
  "daily report: one top-level message per cluster per firing, details in its thread",
  () => {
    const redisUrl = inject("redisUrl");
    const prefix = newPrefix();
    let sim: SimCluster;
    let fake: FakeSlack;
    let inventory: Inventory;
    const bots: Bot[] = [];
    let redis: Redis;
    let reportQueue: Queue;

    beforeAll(async () => {
      const nodes = standardNodes(2, 1);
      nodes[1]!.certs = { overrides: { "server/tls/client-admin.crt": { notAfterDays: -2 } } };
      [sim, fake] = await Promise.all([startSimCluster({ name: "sim", nodes }), startFakeSlack()]);
      // What RKE2's cert monitor raises; the report shows it as a cross-check of the scan.
      sim.addEvent("cp-2", {
        message:
          "Node certificates require attention - restart rke2 on this node to trigger automatic rotation: kubelet/client-admin.crt: certificate system:admin expired at 2026-11-21T07:00:00Z",
      });
      // A schedule that never fires during the test: firings are driven by hand below.
      inventory = loadInventory(
        writeTwoClusterInventory(
          sim,
          { schedule: "0 3 1 1 *", timezone: "Europe/Berlin" },
          { rancherOnly: true },
        ),
      );
      redis = new Redis(redisUrl);
      reportQueue = new Queue("report", { connection: redis, prefix });
      for (let i = 0; i < 2; i++)
        bots.push(await startTestBot(fake, { env: testEnv(fake, redisUrl), inventory, prefix }));
    });
    afterAll(async () => {
      await Promise.all(bots.map((b) => b.stop(2000)));
      await reportQueue?.close();
      redis?.disconnect();
      await Promise.all([sim?.stop(), fake?.close()]);
      await cleanupPrefix(redisUrl, prefix);
    });

    const reports = (channel: string) =>
      fake.model.topLevel(channel).filter((m) => m.text.includes("Certificate expiry report"));
    /** Nothing running, waiting or retrying (the scheduler's own next firing is always delayed: ignore it). */
    const idle = () =>
      waitFor(
        async () =>
          Object.values(await reportQueue.getJobCounts("waiting", "active", "prioritized")).every(
            (n) => n === 0,
          ) && (await reportQueue.getDelayed()).every((j) => j.id?.startsWith("repeat:")),
        30_000,
        "report jobs to finish",
      );
    const fire = (firingMs: number, jobId: string) =>
      reportQueue.add("daily-cert-report", { kind: "firing", firingMs }, { jobId });

    it("keeps one job scheduler however many processes upsert it, with the inventory's cron and time zone", async () => {
      expect(await reportQueue.getJobSchedulersCount()).toBe(1);
      expect(await reportQueue.getJobScheduler("daily-cert-report")).toMatchObject({
        pattern: "0 3 1 1 *",
        tz: "Europe/Berlin",
      });
    });

    it("posts one report per cluster in its channel, with the headline, counts and per-node thread", async () => {
      const firingMs = Date.UTC(2026, 10, 23, 7, 0, 0);
      await fire(firingMs, "manual-1");
      await waitFor(
        () => reports("C0PRODOPS").length === 1 && reports("C0EDGEOPS").length === 1,
        30_000,
        "both reports",
      );
      await idle();
      // `fleet` lists no nodes (Rancher owns it): no report, and no "all 0 certificates fine" either.
      expect(fake.model.topLevel("C0FLEETOPS")).toEqual([]);
      const [top] = reports("C0PRODOPS");
      expect(top!.text).toMatch(/^:red_circle: Certificate expiry report — sim — 2026-11-23: \d+ expired/);
      expect(JSON.stringify(top!.blocks?.[0])).toContain("Certificate expiry report — sim — 2026-11-23");
      expect(reports("C0EDGEOPS")[0]!.text).toContain("Certificate expiry report — edge — 2026-11-23");
      const thread = fake.model
        .replies("C0PRODOPS", top!.ts)
        .map((m) => JSON.stringify(m.blocks))
        .join("\n");
      expect(thread).toContain("*cp-2* (server)");
      expect(thread).toContain("client-admin.crt");
      expect(thread).toContain("*expired*");
      expect(thread).toMatch(/nodes? with nothing to do/);
      // Kubernetes' own warnings, read with kubectl on a healthy server.
      expect(JSON.stringify(top!.blocks)).toContain(
        "Kubernetes itself raised 1 certificate expiration warning on `cp-2`",
      );
      expect(thread).toContain("*CertificateExpirationWarning*");
      expect(thread).toContain("certificate system:admin expired at 2026-11-21T07:00:00Z");
    });

    it("ignores a duplicate firing and updates in place when a cluster's job runs again", async () => {
      const firingMs = Date.UTC(2026, 10, 23, 7, 0, 0);
      await fire(firingMs, "manual-1-duplicate");
      // A retried cluster job (new job id, same firing) must update, not repost.
      await reportQueue.add(
        "cluster-report",
        { kind: "cluster", cluster: "sim", firingMs, date: "2026-11-23" },
        { jobId: "rerun-sim" },
      );
      await waitFor(
        () => reports("C0PRODOPS")[0]!.history.length >= 2,
        30_000,
        "the report to be updated in place",
      );
      await idle();
      expect(reports("C0PRODOPS")).toHaveLength(1);
      expect(reports("C0EDGEOPS")).toHaveLength(1);
    });

    it("a new firing posts a new message", async () => {
      await fire(Date.UTC(2026, 10, 24, 7, 0, 0), "manual-2");
      await waitFor(
        () => reports("C0PRODOPS").length === 2 && reports("C0EDGEOPS").length === 2,
        30_000,
        "the second day's reports",
      );
      expect(reports("C0PRODOPS")[1]!.text).toContain("2026-11-24");
    });

    it("retries a report whose post failed (bot not in the channel yet) and posts it once", async () => {
      await idle();
      fake.failNext("chat.postMessage", { error: "not_in_channel", channel: "C0EDGEOPS" });
      await fire(Date.UTC(2026, 10, 25, 7, 0, 0), "manual-3");
      await waitFor(() => reports("C0EDGEOPS").length === 3, 45_000, "the retried report");
      const refused = fake.callsTo("chat.postMessage").filter((c) => c.result?.error === "not_in_channel");
      expect(refused).toHaveLength(1);
      expect(refused[0]!.params.thread_ts).toBeUndefined();
      expect(String(refused[0]!.params.text)).toContain("edge — 2026-11-25");
      await idle();
      expect(reports("C0EDGEOPS")).toHaveLength(3);
      expect(reports("C0PRODOPS")).toHaveLength(3);
    });

    it("gives up at once on a post Slack refuses for good (invalid_blocks): a retry cannot fix it", async () => {
      await idle();
      fake.failNext("chat.postMessage", { error: "invalid_blocks", channel: "C0EDGEOPS" });
      await fire(Date.UTC(2026, 10, 26, 7, 0, 0), "manual-4");
      const failed = await waitFor(
        async () =>
          (await reportQueue.getFailed()).find(
            (j) => j.data.kind === "cluster" && j.data.cluster === "edge" && j.data.date === "2026-11-26",
          ),
        45_000,
        "the edge report job to fail",
      );
      expect(failed.attemptsMade).toBe(1);
      expect(failed.failedReason).toContain("invalid_blocks");
      await idle();
      expect(
        fake.callsTo("chat.postMessage").filter((c) => c.result?.error === "invalid_blocks"),
      ).toHaveLength(1);
      expect(reports("C0EDGEOPS")).toHaveLength(3);
      expect(reports("C0PRODOPS")).toHaveLength(4);
    });

    it("produced only messages within Block Kit limits", () => {
      expectAllWithinLimits(fake);
    });
  },
);
