import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadInventory } from "../../src/config/load-inventory.js";
import type { Bot } from "../../src/main/start-bot.js";
import type { AuditRecord } from "../../src/operations/audit/audit-record.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { cleanupPrefix, newPrefix, startTestBot, testEnv, waitFor } from "./helpers/harness.js";

const ns = namespacesAvailable();
const CHANNEL = "C0PRODOPS";
const READERS = "S0READERS";
const LIMIT = 3;

/**
 * The real bot (real operations engine, scan worker, Redis, sshd nodes) over signed HTTP:
 * concurrent `/rke2 certs` join one scan, a per-user budget, `readers`, and `/rke2 audit`.
 */
describe.skipIf(!ns.ok)("/rke2 certs admission, readers and /rke2 audit over signed HTTP", () => {
  const redisUrl = inject("redisUrl");
  const prefix = newPrefix();
  let sim: SimCluster;
  let fake: FakeSlack;
  let bot: Bot;
  let redis: Redis;
  let scanQueue: Queue;

  beforeAll(async () => {
    [sim, fake] = await Promise.all([
      startSimCluster({ name: "adm", nodes: standardNodes(2, 1) }),
      startFakeSlack(),
    ]);
    fake.model.userGroups.set(READERS, ["U0ANN", "U0BEN", "U0CAT", "U0RATE", "U0OTHER"]);
    const doc = parse(
      sim.inventoryYaml({
        channel: CHANNEL,
        approvers: ["U0APPROVER1"],
        clusterExtra: { readers: [READERS, "U0AUDITOR"], approvals: { requesters: ["U0REQUESTER"] } },
      }),
    ) as Record<string, unknown>;
    doc.limits = { scansPerUserPerMinute: LIMIT };
    const path = join(sim.dir, `inventory-${randomUUID().slice(0, 6)}.yaml`);
    writeFileSync(path, stringify(doc));
    bot = await startTestBot(fake, { env: testEnv(fake, redisUrl), inventory: loadInventory(path), prefix });
    redis = new Redis(redisUrl);
    scanQueue = new Queue("scan", { connection: redis, prefix });
  }, 60_000);
  afterAll(async () => {
    await scanQueue?.resume().catch(() => undefined);
    await bot?.stop(2000);
    await scanQueue?.close();
    redis?.disconnect();
    await Promise.all([sim?.stop(), fake?.close()]);
    await cleanupPrefix(redisUrl, prefix);
  });

  const slash = (text: string, user: string) => fake.slashCommand(text, user, { channel: CHANNEL });
  const counts = () =>
    scanQueue.getJobCounts("waiting", "prioritized", "delayed", "active", "completed", "failed");
  const jobsEver = async () => Object.values(await counts()).reduce((a, b) => a + b, 0);

  it(
    "two `/rke2 certs adm` (and two `/rke2 certs`) sent at once run one scan each, and every request gets its answer",
    { timeout: 90_000 },
    async () => {
      const before = await jobsEver();
      // Paused, no worker takes the first scan before the second request arrives: joining is certain.
      await scanQueue.pause();
      const [a, b] = await Promise.all([slash("certs adm", "U0ANN"), slash("certs adm", "U0BEN")]);
      const [c, d] = await Promise.all([slash("certs", "U0ANN"), slash("certs", "U0BEN")]);
      const acks = [a, b, c, d].map((r) => String(r.json?.text));
      expect(acks.filter((t) => t.startsWith(":mag: Scanning adm (3 nodes)…"))).toHaveLength(2);
      expect(acks.filter((t) => /already running; you will get its answer too/.test(t))).toHaveLength(2);
      expect(await jobsEver()).toBe(before + 2);

      await scanQueue.resume();
      const answers = await Promise.all(
        [a, b, c, d].map(async (r) => (await fake.waitForResponses(r.responseUrl, 1, 60_000))[0]!.body),
      );
      expect(answers[0]!.text).toMatch(/^:\w+: Certificates — adm/);
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[3]).toEqual(answers[2]);
      await waitFor(
        async () => (await counts()).completed === before + 2 || undefined,
        30_000,
        "2 scans done",
      );
      expect(await jobsEver()).toBe(before + 2);

      // Once answered, the scope is free: the next request starts a new scan.
      const e = await slash("certs adm", "U0CAT");
      expect(e.json?.text).toBe(":mag: Scanning adm (3 nodes)…");
      expect(await jobsEver()).toBe(before + 3);
      await fake.waitForResponses(e.responseUrl, 1, 60_000);
      expect(fake.responsesTo(a.responseUrl)).toHaveLength(1);
    },
  );

  it("a user over limits.scansPerUserPerMinute is refused with the seconds to wait; others are not", async () => {
    const before = await jobsEver();
    const ok = [];
    for (const node of ["cp-1", "cp-2", "agent-1"]) ok.push(await slash(`certs adm ${node}`, "U0RATE"));
    expect(ok.map((r) => r.json?.text)).toEqual([
      ":mag: Scanning cp-1 in adm (1 node)…",
      ":mag: Scanning cp-2 in adm (1 node)…",
      ":mag: Scanning agent-1 in adm (1 node)…",
    ]);
    const refused = await slash("certs adm", "U0RATE");
    const m = /too many scans in the last minute\. Try again in (\d+) seconds?\./.exec(
      String(refused.json?.text),
    );
    expect(m, String(refused.json?.text)).not.toBeNull();
    const wait = Number(m![1]);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    // The count lives in Redis with an expiry (shared by every web replica), not in memory.
    const ttl = await redis.pttl(`${prefix}:state:scan:rate:U0RATE`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(Number(await redis.get(`${prefix}:state:scan:rate:U0RATE`))).toBe(LIMIT + 1);
    expect(await jobsEver()).toBe(before + LIMIT);

    const other = await slash("certs adm", "U0OTHER");
    expect(other.json?.text).toBe(":mag: Scanning adm (3 nodes)…");
    for (const r of [...ok, other]) await fake.waitForResponses(r.responseUrl, 1, 60_000);
    expect(fake.responsesTo(refused.responseUrl)).toEqual([]);
  }, 90_000);

  it("`readers` refuses `/rke2 certs` to anyone else, naming who may read, queuing nothing", async () => {
    const before = await jobsEver();
    const one = await slash("certs adm", "U0NOSY");
    expect(one.json?.text).toBe(":no_entry: adm may be read only by <!subteam^S0READERS>, <@U0AUDITOR>.");
    const all = await slash("certs", "U0NOSY");
    expect(all.json?.text).toContain("Name a cluster you may read.");
    expect(await jobsEver()).toBe(before);
    expect(await redis.exists(`${prefix}:state:scan:rate:U0NOSY`)).toBe(0);
  });

  it("`/rke2 audit adm` uploads the refused requests as JSON Lines, in order, with a summary", async () => {
    const asked = [
      ["rotate adm", "U0STRANGER1"],
      ["upgrade adm v1.34.1+rke2r1", "U0STRANGER2"],
      ["rotate adm", "U0STRANGER3"],
    ] as const;
    for (const [text, user] of asked) {
      const r = await slash(text, user);
      const [answer] = await fake.waitForResponses(r.responseUrl, 1, 30_000);
      expect(answer!.body.text).toContain("may be requested only by <@U0REQUESTER>");
    }
    const nosy = await slash("audit adm", "U0NOSY");
    const [refusal] = await fake.waitForResponses(nosy.responseUrl, 1, 30_000);
    expect(refusal!.body.text).toContain("adm may be read only by");

    const r = await slash("audit adm", "U0AUDITOR");
    const [summary] = await fake.waitForResponses(r.responseUrl, 1, 30_000);
    expect(summary!.body.text).toMatch(/3 audit records for adm from .* \(0 operation\(s\)\)/);
    expect(summary!.body.text).toContain("rke2-audit-adm.jsonl");
    const uploads = fake.model
      .allMessages()
      .filter((m) => m.channel === CHANNEL)
      .flatMap((m) => m.files ?? [])
      .filter((f) => f.filename === "rke2-audit-adm.jsonl");
    expect(uploads).toHaveLength(1);
    const records = uploads[0]!.content
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as AuditRecord);
    expect(records.map((x) => [x.actorId, x.action])).toEqual([
      ["U0STRANGER1", "request-rotate"],
      ["U0STRANGER2", "request-upgrade"],
      ["U0STRANGER3", "request-rotate"],
    ]);
    for (const x of records) expect(x).toMatchObject({ cluster: "adm", operation: "-" });
    for (const x of records)
      expect(x.outcome).toMatch(/^refused: Operations on adm may be requested only by/);
    const times = records.map((x) => Date.parse(x.time));
    expect([...times].sort((p, q) => p - q)).toEqual(times);
  }, 60_000);
});
