import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Queue, type Worker } from "bullmq";
import { Redis } from "ioredis";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadInventory } from "../../src/config/load-inventory.js";
import { buildSlackSurface, type SlackSurface } from "../../src/main/build-slack-surface.js";
import type { ReportJobData, ShardResult } from "../../src/queue/report-queue.js";
import { splitNodes } from "../../src/scan/report-shards.js";
import { createReportWorker } from "../../src/queue/report-worker.js";
import { systemClock } from "../../src/shared/clock.js";
import { silentLogger } from "../../src/shared/logger.js";
import { createSsh2Executor } from "../../src/ssh/ssh2-executor.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { freePort } from "../support/free-port.js";
import { startBotProcess, type BotProcess } from "./helpers/bot-process.js";
import { cleanupPrefix, newPrefix, testEnv, waitFor } from "./helpers/harness.js";
import { parsePrometheus } from "./helpers/parse-prometheus.js";

const ns = namespacesAvailable();
/** The processes use the default key prefix, so they get a Redis database of their own. */
const DB = 12;
const FIRING_MS = Date.UTC(2026, 10, 23, 7, 0, 0);
/** Four clusters: a and b fit one shard at shardNodes 2, c and d split into 2 + 1. */
const CLUSTERS = [
  { name: "a", channel: "C0AOPS", servers: 1, agents: 1 },
  { name: "b", channel: "C0BOPS", servers: 1, agents: 1 },
  { name: "c", channel: "C0COPS", servers: 1, agents: 2 },
  { name: "d", channel: "C0DOPS", servers: 2, agents: 1 },
];

describe("splitNodes", () => {
  it("makes the fewest shards of at most N, as even as possible", () => {
    expect(splitNodes([1, 2, 3], 2)).toEqual([[1, 2], [3]]);
    expect(splitNodes([1, 2], 2)).toEqual([[1, 2]]);
    expect(
      splitNodes(
        Array.from({ length: 51 }, (_, i) => i),
        50,
      ).map((s) => s.length),
    ).toEqual([26, 25]);
    expect(splitNodes([], 50)).toEqual([[]]);
  });
});

describe.skipIf(!ns.ok)("daily report sharded over worker replicas", () => {
  const sims: SimCluster[] = [];
  let whole: string;
  let split: string;

  /** One inventory over the four rigs, each cluster with its own key and channel. */
  const writeInventory = (report: Record<string, unknown>, file: string) => {
    const clusters = sims.map((sim, i) => {
      const doc = parse(sim.inventoryYaml({ channel: CLUSTERS[i]!.channel })) as {
        ssh: { privateKeyPath: string };
        clusters: Array<Record<string, unknown>>;
      };
      return { ...doc.clusters[0], ssh: { privateKeyPath: doc.ssh.privateKeyPath } };
    });
    const base = parse(sims[0]!.inventoryYaml({ approvers: ["U0APPROVER1"] })) as Record<string, unknown>;
    const path = join(sims[0]!.dir, file);
    writeFileSync(path, stringify({ ...base, clusters, report }, { lineWidth: 0 }));
    return path;
  };

  beforeAll(async () => {
    for (const c of CLUSTERS)
      sims.push(await startSimCluster({ name: c.name, nodes: standardNodes(c.servers, c.agents) }));
    // A schedule that never fires during the test: the firing is queued by hand.
    const report = { schedule: "0 3 1 1 *", timezone: "UTC" };
    whole = writeInventory(report, "whole.yaml");
    split = writeInventory({ ...report, shardNodes: 2 }, "split.yaml");
  }, 120_000);
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.stop()));
  });

  const reportsIn = (fake: FakeSlack, channel: string) =>
    fake.model.topLevel(channel).filter((m) => m.text.includes("Certificate expiry report"));
  /** What a reader sees of a cluster's report: the top message and its thread, as posted. */
  const reportView = (fake: FakeSlack, channel: string) =>
    reportsIn(fake, channel).map((m) =>
      // The scan's minute may differ between two runs; everything else must not.
      JSON.stringify({
        text: m.text,
        blocks: m.blocks,
        thread: fake.model.replies(channel, m.ts).map((r) => r.blocks ?? r.text),
      }).replace(/Scanned \d{4}-\d\d-\d\d \d\d:\d\d UTC/g, "Scanned <time>"),
    );
  const idle = (queue: Queue) =>
    waitFor(
      async () =>
        Object.values(await queue.getJobCounts("waiting", "active", "prioritized", "waiting-children")).every(
          (n) => n === 0,
        ) && (await queue.getDelayed()).every((j) => j.id?.startsWith("repeat:")),
      60_000,
      "report jobs to finish",
    );
  const fire = (queue: Queue, jobId: string) =>
    queue.add("daily-cert-report", { kind: "firing", firingMs: FIRING_MS }, { jobId });

  describe("two worker processes", () => {
    const redisUrl = `${inject("redisUrl")}/${DB}`;
    let fake: FakeSlack;
    let redis: Redis;
    let queue: Queue<ReportJobData>;
    const procs: BotProcess[] = [];
    const baseline: { metrics: string[]; reports: Record<string, unknown> } = { metrics: [], reports: {} };

    const env = (inventory: string) => ({
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: fake.signingSecret,
      SLACK_API_URL: fake.apiUrl,
      REDIS_URL: redisUrl,
      RKE2_CHATOPS_CONFIG: inventory,
      LOG_LEVEL: "info",
      ROLE: "worker",
    });
    /** Certificate and per-node scan gauges, without the scan times (they differ run to run). */
    const certMetrics = async (p: BotProcess) => {
      const text = await (await fetch(`http://127.0.0.1:${p.port}/metrics`)).text();
      return parsePrometheus(text)
        .samples.filter((s) => s.name.startsWith("x509_") && !s.name.includes("build_info"))
        .map((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())} ${s.value}`)
        .sort();
    };
    const allReported = (fake: FakeSlack, n: number) =>
      waitFor(
        () => CLUSTERS.every((c) => reportsIn(fake, c.channel).length >= n),
        60_000,
        `report ${n} in every channel`,
      );

    beforeAll(async () => {
      fake = await startFakeSlack();
      redis = new Redis(redisUrl);
      await redis.flushdb();
      queue = new Queue<ReportJobData>("report", { connection: redis, prefix: "rke2-chatops" });
    });
    afterAll(async () => {
      await Promise.all(procs.map((p) => p.terminate()));
      await queue?.close();
      await redis?.flushdb();
      redis?.disconnect();
      await fake?.close();
    });

    it("single process, one job per cluster: the baseline", async () => {
      const one = await startBotProcess(env(whole), await freePort());
      procs.push(one);
      await fire(queue, "baseline");
      await allReported(fake, 1);
      await idle(queue);
      expect(await queue.getJob(`shard-${FIRING_MS}-d-1`)).toBeUndefined();
      baseline.metrics = await certMetrics(one);
      expect(baseline.metrics.filter((m) => m.startsWith("x509_cert_not_after")).length).toBeGreaterThan(50);
      for (const c of CLUSTERS) baseline.reports[c.name] = reportView(fake, c.channel)[0];
      expect((await one.terminate()).code).toBe(0);
      await redis.flushdb();
    }, 120_000);

    it("splits into shards both processes run; one report per cluster, the same metrics and reports", async () => {
      procs.push(await startBotProcess(env(split), await freePort()));
      procs.push(await startBotProcess(env(split), await freePort()));
      const [p1, p2] = procs.slice(1) as [BotProcess, BotProcess];
      await fire(queue, "split");
      await allReported(fake, 2);
      await idle(queue);

      // 6 shards: 1 each for a and b, 2 each for c and d, each on the replica that took it.
      const shards: Array<{ id: string; result: ShardResult }> = [];
      for (const c of CLUSTERS)
        for (let i = 0; i < (c.servers + c.agents > 2 ? 2 : 1); i++) {
          const id = `shard-${FIRING_MS}-${c.name}-${i}`;
          const job = await queue.getJob(id);
          expect(await job?.getState(), id).toBe("completed");
          shards.push({ id, result: job!.returnvalue as ShardResult });
        }
      expect(await queue.getJob(`shard-${FIRING_MS}-d-2`)).toBeUndefined();
      expect(shards.map((s) => s.result.nodes.length)).toEqual([2, 2, 2, 1, 2, 1]);
      const workers = new Set(shards.map((s) => s.result.worker));
      const pids = [p1, p2].map((p) => String(p.child.pid)).sort();
      expect([...workers].map((w) => w.split(":").pop()).sort()).toEqual(pids);
      // Their logs agree: each process logged the shards it ran.
      const logged = (p: BotProcess) => (p.output().match(/"msg":"report shard scanned"/g) ?? []).length;
      expect(logged(p1)).toBeGreaterThan(0);
      expect(logged(p2)).toBeGreaterThan(0);
      expect(logged(p1) + logged(p2)).toBe(6);

      // Exactly one report per cluster for this firing (the baseline's is the other one).
      for (const c of CLUSTERS) {
        expect(reportsIn(fake, c.channel)).toHaveLength(2);
        expect(reportView(fake, c.channel)[1]).toEqual(baseline.reports[c.name]);
      }
      const posted = await redis.keys(`rke2-chatops:state:report:posted:${FIRING_MS}:*`);
      expect(posted.filter((k) => !k.includes(":reply:")).sort()).toEqual(
        CLUSTERS.map((c) => `rke2-chatops:state:report:posted:${FIRING_MS}:${c.name}`),
      );
      // The metrics: what a single process scanning whole clusters exposed, from either replica.
      expect(await certMetrics(p1)).toEqual(baseline.metrics);
      expect(await certMetrics(p2)).toEqual(baseline.metrics);
    }, 120_000);

    it("a duplicate firing adds no shard and posts nothing", async () => {
      await fire(queue, "split-duplicate");
      await waitFor(
        async () => (await queue.getJob("split-duplicate"))?.returnvalue ?? undefined,
        30_000,
        "the duplicate",
      );
      const dup = await queue.getJob("split-duplicate");
      expect([dup!.failedReason, dup!.returnvalue]).toEqual([undefined, "queued 0"]);
      await idle(queue);
      for (const c of CLUSTERS) expect(reportsIn(fake, c.channel)).toHaveLength(2);
    }, 60_000);
  });

  describe("a shard that fails", () => {
    const redisUrl = inject("redisUrl");
    const prefix = newPrefix();
    let fake: FakeSlack;
    let redis: Redis;
    let surface: SlackSurface;
    let worker: Worker;
    const executor = createSsh2Executor({ logger: silentLogger, clock: systemClock });
    const attempts = new Map<string, number>();

    beforeAll(async () => {
      fake = await startFakeSlack();
      redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
      const inventory = loadInventory(split);
      const ctx = { connection: redis, prefix };
      surface = await buildSlackSurface({
        env: testEnv(fake, redisUrl),
        inventory,
        logger: silentLogger,
        clock: systemClock,
        ctx,
      });
      worker = createReportWorker({
        ...surface,
        ctx,
        queue: surface.reportQueue,
        inventory,
        executor,
        clock: systemClock,
        logger: silentLogger,
        hooks: {
          beforeShard(d) {
            const key = `${d.cluster}-${d.shard}`;
            const n = (attempts.get(key) ?? 0) + 1;
            attempts.set(key, n);
            // Shard 1 of d (its third node) fails its first attempt, like a Redis write cut mid-shard.
            if (key === "d-1" && n === 1) throw new Error("injected shard failure");
          },
        },
      });
    });
    afterAll(async () => {
      await worker?.close();
      await Promise.all(surface?.queues.map((q) => q.close()) ?? []);
      await executor.close();
      redis?.disconnect();
      await fake?.close();
      await cleanupPrefix(redisUrl, prefix);
    });

    it("is retried alone, and the cluster's report is posted once, with every node scanned", async () => {
      await fire(surface.reportQueue, "with-failure");
      await waitFor(
        () => CLUSTERS.every((c) => reportsIn(fake, c.channel).length === 1),
        60_000,
        "every cluster's report",
      );
      await idle(surface.reportQueue);
      expect(Object.fromEntries(attempts)).toEqual({
        "a-0": 1,
        "b-0": 1,
        "c-0": 1,
        "c-1": 1,
        "d-0": 1,
        "d-1": 2,
      });
      const failed = await surface.reportQueue.getJob(`shard-${FIRING_MS}-d-1`);
      expect(failed!.attemptsMade).toBe(2);
      expect((failed!.stacktrace ?? []).join("\n")).toContain("injected shard failure");
      const sibling = await surface.reportQueue.getJob(`shard-${FIRING_MS}-d-0`);
      expect(sibling!.attemptsMade).toBe(1);
      // The parent ran once, after both of d's shards landed, and posted one message.
      const parent = await surface.reportQueue.getJob(`report-${FIRING_MS}-d`);
      expect(parent!.attemptsMade).toBe(1);
      expect(parent!.returnvalue).toBe("posted");
      for (const c of CLUSTERS) expect(reportsIn(fake, c.channel)).toHaveLength(1);
      const tops = fake.callsTo("chat.postMessage").filter((c) => !c.params.thread_ts);
      expect(tops.filter((c) => c.params.channel === "C0DOPS")).toHaveLength(1);
      // Every node of d was scanned and stored, the retried shard's node included.
      const stored = await redis.hkeys(`${prefix}:state:scan:d`);
      expect(stored.filter((f) => f.startsWith("ok:")).sort()).toEqual(["ok:agent-1", "ok:cp-1", "ok:cp-2"]);
      const thread = JSON.stringify(fake.model.replies("C0DOPS", reportsIn(fake, "C0DOPS")[0]!.ts));
      expect(thread).not.toContain("shard");
    }, 120_000);
  });
});
