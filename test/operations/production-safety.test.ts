import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { OpRecord } from "../../src/operations/engine/records.js";
import { createRedisLedger } from "../../src/queue/operation-ledger.js";
import { operationKeys } from "../../src/queue/operation-keys.js";
import { silentLogger } from "../../src/shared/logger.js";
import { sh } from "../../src/ssh/shell-quote.js";
import { createSsh2Executor } from "../../src/ssh/ssh2-executor.js";
import { createRemoteAccess } from "../../src/operations/engine/remote-access.js";
import { systemClock } from "../../src/shared/clock.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { startRedis, type RedisHandle } from "../support/redis-server.js";
import { cmd, commandsSince, find, MUTATING, ROTATE, START, STOP } from "./support/command-log.js";
import {
  APPROVERS,
  atGate,
  createHarness,
  FAST_QUEUE,
  REQUESTER,
  testInventory,
  type Harness,
} from "./support/harness.js";
import { buttonsOf, textOf } from "./support/recording-chat.js";

const avail = namespacesAvailable();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const servers = ["cp-1", "cp-2", "cp-3"];

async function until(pred: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe("production safety: health gates, one operation per cluster, lost leases", () => {
  let sim: SimCluster;
  let h: Harness | undefined;
  let privateRedis: RedisHandle | undefined;

  beforeAll(async () => {
    if (!avail.ok) throw new Error(`the sshd rig cannot run here: ${avail.reason}`);
    sim = await startSimCluster({ name: "safety", nodes: standardNodes(3, 2) });
  });
  afterEach(async () => {
    privateRedis?.resume();
    await h?.close();
    h = undefined;
    await privateRedis?.stop();
    privateRedis = undefined;
    for (const n of sim.nodes)
      for (const k of ["slow-ms", "ready-delay-seconds"]) sim.setKnob(n.name, k, null);
    for (const s of servers)
      if (sim.nodeState(s).service !== "active") await sim.ssh(s, "systemctl start rke2-server");
  });
  afterAll(async () => {
    await sim?.stop();
  });

  const request = async (hh: Harness) => {
    const req = await hh.ops.request("rotate", sim.name, [], { userId: REQUESTER });
    expect(req.ok, req.message).toBe(true);
    return req.operationId!;
  };

  it(
    "re-checks the cluster before stopping a server: a server that failed since preflight halts the roll before anything is stopped",
    { timeout: 180_000 },
    async () => {
      h = await createHarness(sim, inject("redisUrl"));
      const id = await request(h);
      expect((await h.click(id, "approve")).ok).toBe(true);
      await h.waitFor(id, atGate(1));
      // Between the approvals someone (or something) takes cp-3 down.
      await sim.ssh("cp-3", "systemctl stop rke2-server");
      const t1 = Date.now();
      expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
      const halted = await h.waitFor(id, (o) => o.status === "halted");
      expect(halted.failure).toMatchObject({ node: "cp-1", step: "stop" });
      expect(halted.failure!.message).toMatch(/cp-3 is not Ready/);
      expect(halted.failure!.message).toMatch(/cp-3: \/readyz failing/);
      expect(
        find(
          sim.commandLog().filter((e) => e.t >= t1),
          undefined,
          MUTATING,
        ).map(cmd),
      ).toEqual([]);
      expect(sim.nodeState("cp-1").service).toBe("active");
      const reply = h.chat.thread(halted.message!.ts).find((m) => textOf(m).includes("cp-3 is not Ready"));
      expect(reply, "the failure is explained in the thread").toBeDefined();
      expect([...buttonsOf(reply!).keys()]).toEqual(["retry", "abort"]);

      // Once cp-3 is back, Retry goes on with cp-1 (behind an approver's click).
      await sim.ssh("cp-3", "systemctl start rke2-server");
      const t2 = Date.now();
      expect((await h.click(id, "retry", APPROVERS[1])).ok).toBe(true);
      await h.waitFor(id, atGate(2), 150_000);
      const log = sim.commandLog().filter((e) => e.t >= t2);
      for (const s of servers) expect(find(log, s, STOP).filter((e) => e.exitCode === 0)).toHaveLength(1);
      expect((await h.click(id, "reject")).ok).toBe(true);
    },
  );

  it(
    "a preflight slower than the lock TTL keeps its lock: a second request meanwhile is refused, one operation is approvable",
    { timeout: 120_000 },
    async () => {
      h = await createHarness(sim, inject("redisUrl"), { queueOptions: { preflightLockTtlSeconds: 1 } });
      for (const n of sim.nodes) sim.setKnob(n.name, "slow-ms", "700");
      const hh = h;
      const first = hh.ops.request("rotate", sim.name, [], { userId: REQUESTER });
      await until(async () => (await hh.ledger.lockHolder(sim.name)) !== undefined, "the first lock");
      await sleep(2500); // well past the 1 s TTL, the preflight still running
      const second = await hh.ops.request("rotate", sim.name, [], { userId: REQUESTER });
      expect(second.ok).toBe(false);
      expect(second.message).toMatch(/is in progress on safety/);
      const r1 = await first;
      expect(r1.ok, r1.message).toBe(true);
      const approvable = [];
      for (const id of await hh.ledger.recentOps(sim.name, 10))
        if ((await hh.op(id)).status === "awaiting-approval") approvable.push(id);
      expect(approvable).toEqual([r1.operationId]);
      expect((await hh.click(r1.operationId!, "reject")).ok).toBe(true);
    },
  );

  it(
    "a preflight whose lock was taken over never becomes approvable, and says why",
    { timeout: 120_000 },
    async () => {
      h = await createHarness(sim, inject("redisUrl"), { queueOptions: { preflightLockTtlSeconds: 1 } });
      for (const n of sim.nodes) sim.setKnob(n.name, "slow-ms", "500");
      const hh = h;
      const first = hh.ops.request("rotate", sim.name, [], { userId: REQUESTER });
      await until(async () => (await hh.ledger.lockHolder(sim.name)) !== undefined, "the first lock");
      const firstId = (await hh.ledger.lockHolder(sim.name))!;
      // The lock vanishes (expired while this worker could not reach Redis); another request takes it.
      await hh.redis.del(operationKeys(hh.prefix).lock(sim.name));
      const second = hh.ops.request("rotate", sim.name, [], { userId: REQUESTER });
      const [r1, r2] = await Promise.all([first, second]);
      expect(r2.ok, r2.message).toBe(true);
      expect(r1.ok).toBe(false);
      // The loser says why; it names the new holder unless it looked in the instant between the two.
      expect(r1.message).toMatch(/the cluster lock of safety expired during the preflight/);
      const named = /(\S+) holds it now/.exec(r1.message);
      if (named) expect(named[1]).toBe(r2.operationId);
      expect((await hh.op(firstId)).status).toBe("preflight-failed");
      expect((await hh.op(r2.operationId!)).status).toBe("awaiting-approval");
      expect(await hh.ledger.lockHolder(sim.name)).toBe(r2.operationId);
      expect((await hh.click(r2.operationId!, "reject")).ok).toBe(true);
    },
  );

  it("a preflight whose process died (no lock, never finished) is closed by the sweep as abandoned", async () => {
    h = await createHarness(sim, inject("redisUrl"), { queueOptions: { preflightLockTtlSeconds: 1 } });
    const id = `rotate-dead-${Date.now()}`;
    const requestedAt = new Date(Date.now() - 60_000).toISOString();
    const dead = {
      ...{ id, kind: "rotate", cluster: sim.name, channel: "C0OPS", requestedBy: { userId: REQUESTER } },
      ...{ requestedAt, params: {}, plan: { summary: "preflight running", lines: [] }, phases: [] },
      ...{
        status: "preflight",
        phase: 0,
        runSeq: 0,
        version: 0,
        lock: "gone",
        phaseTimes: [],
        decisions: [],
      },
    } as unknown as OpRecord;
    expect(await h.ledger.create(dead, [], [])).toBe(true);
    // Seen without its lock on one sweep, still there after the notice window (1/3 TTL + 5 s): closed.
    const op = await h.waitFor(id, (o) => o.status === "cancelled", 30_000);
    expect(op.finishedAt).toBeDefined();
    const audit = await h.ledger.audit(id);
    expect(audit.map((a) => a.text)).toContain("preflight abandoned (process stopped)");
  });

  it(
    "with Redis paused mid-phase no remote command starts after the lock duration; once Redis is back the roll resumes and nothing runs twice",
    { timeout: 240_000 },
    async () => {
      privateRedis = await startRedis();
      h = await createHarness(sim, privateRedis.url);
      const id = await request(h);
      expect((await h.click(id, "approve")).ok).toBe(true);
      await h.waitFor(id, atGate(1));
      // cp-1 takes a while to report Ready: the engine polls it over SSH, with no Redis write in between.
      sim.setKnob("cp-1", "ready-delay-seconds", "10");
      const t0 = Date.now();
      expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
      await until(
        () =>
          find(
            sim.commandLog().filter((e) => e.t >= t0),
            "cp-1",
            START,
          ).some((e) => e.tEnd),
        "start",
      );
      // The engine is in its Ready poll of cp-1 (a `get nodes` after the start ended): pause Redis there.
      const started = find(
        sim.commandLog().filter((e) => e.t >= t0),
        "cp-1",
        START,
      ).find((e) => e.tEnd)!.tEnd!;
      await until(
        () => sim.commandLog().some((e) => e.t > started && /get nodes/.test(cmd(e))),
        "the Ready poll of cp-1",
      );
      privateRedis.pause();
      const paused = Date.now();
      await sleep(FAST_QUEUE.lockDuration! * 3);
      const log = sim.commandLog();
      privateRedis.resume();
      // Not vacuous: without Redis the engine went on polling cp-1 for a while (no Redis write needed)...
      const polling = log.filter((e) => e.t >= paused && /get nodes/.test(cmd(e)));
      expect(polling.length, "the engine kept polling cp-1 after Redis stopped").toBeGreaterThan(1);
      // ...and stopped once its lock had gone unrenewed for a lock duration (plus one watchdog tick).
      const late = log.filter((e) => e.t > paused + FAST_QUEUE.lockDuration! * 1.25 + 300);
      expect(late.map((e) => `${e.node}: ${cmd(e)}`)).toEqual([]);

      sim.setKnob("cp-1", "ready-delay-seconds", null);
      await h.waitFor(id, atGate(2), 180_000);
      const all = sim.commandLog().filter((e) => e.t >= t0);
      for (const s of servers)
        for (const re of [STOP, ROTATE, START]) expect(find(all, s, re), `${re} on ${s}`).toHaveLength(1);
      expect((await h.click(id, "reject")).ok).toBe(true);
    },
  );

  it("never starts a command, nor a connection, once the signal has fired", async () => {
    const inv = testInventory(sim);
    const node = inv.clusters[0]!.nodes[0]!;
    const executor = createSsh2Executor({ logger: silentLogger });
    const session = await executor.open(node);
    const aborted = AbortSignal.abort(new Error("lock lost"));
    const t0 = Date.now();
    await expect(session.run(sh`systemctl is-active rke2-server`, { signal: aborted })).rejects.toMatchObject(
      {
        kind: "aborted",
      },
    );
    await session.close();
    const remote = createRemoteAccess({
      executor,
      cluster: inv.clusters[0]!,
      clock: systemClock,
      log: silentLogger,
      policy: { renewalWindowDays: 120, alertDays: [30] },
      commandTimeoutMs: 5000,
      signal: aborted,
    });
    await expect(remote.run(node, sh`systemctl stop rke2-server`)).rejects.toMatchObject({ kind: "aborted" });
    await remote.close();
    expect(commandsSince(sim.commandLog(), t0, /systemctl/)).toEqual([]);
  });

  it("waits for an intent to reach the append-only file where Redis can (7.2+), and says once where it cannot", async () => {
    const redis = new Redis(inject("redisUrl"));
    const version = /redis_version:(\d+)\.(\d+)/.exec(await redis.info("server"))!;
    const supports = Number(version[1]) > 7 || (Number(version[1]) === 7 && Number(version[2]) >= 2);
    const told: string[] = [];
    const ledger = createRedisLedger(redis, {
      prefix: `aof-${Date.now()}`,
      onNoDurableWait: (w) => told.push(w),
    });
    const op = {
      id: "rot-aof",
      cluster: "c",
      lock: "rot-aof:1",
    } as unknown as Parameters<typeof ledger.create>[0];
    expect(await ledger.create(op, [], [])).toBe(true);
    const epoch = await ledger.beginAttempt("rot-aof");
    const intent = {
      node: "n1",
      steps: { "p:s": { state: "intent" as const, at: "", attempts: 1 } },
      facts: {},
    };
    await ledger.commitNode("rot-aof", epoch, intent, []);
    await ledger.commitNode("rot-aof", epoch, { ...intent, node: "n2" }, []);
    expect((await ledger.nodes("rot-aof")).get("n2")?.steps["p:s"]?.state).toBe("intent");
    if (supports) expect(told).toEqual([]);
    else {
      expect(told).toHaveLength(1);
      expect(told[0]).toMatch(/unknown command/i);
    }
    await redis.quit();
  });
});
