import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { startRedis, type RedisHandle } from "../support/redis-server.js";
import { AGENT_RESTART, find, ROTATE, START, STOP } from "./support/command-log.js";
import { APPROVERS, atGate, createHarness, finished, REQUESTER, type Harness } from "./support/harness.js";

const avail = namespacesAvailable();
const servers = ["cp-1", "cp-2", "cp-3"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll the rig's command log until a command matching `re` on `node` has finished after `t0`. */
async function whenDone(sim: SimCluster, node: string, re: RegExp, t0: number): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (
      find(
        sim.commandLog().filter((e) => e.t >= t0),
        node,
        re,
      ).some((e) => e.tEnd !== undefined)
    )
      return;
    await sleep(20);
  }
  throw new Error(`${re} on ${node} never finished`);
}

async function rotateAll(h: Harness, sim: SimCluster, during: (t0: number) => Promise<void>) {
  const t0 = Date.now();
  const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
  expect(req.ok, req.message).toBe(true);
  const id = req.operationId!;
  expect((await h.click(id, "approve")).ok).toBe(true);
  await h.waitFor(id, atGate(1));
  const disturbance = during(t0);
  expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
  await h.waitFor(id, atGate(2), 180_000);
  await disturbance;
  expect((await h.click(id, "approve")).ok).toBe(true);
  const op = await h.waitFor(id, finished, 120_000);
  expect(op.status, JSON.stringify(op.failure)).toBe("completed");
  const log = sim.commandLog().filter((e) => e.t >= t0);
  for (const s of servers)
    for (const re of [STOP, ROTATE, START])
      expect(
        find(log, s, re).filter((e) => e.exitCode === 0),
        `${re} on ${s}`,
      ).toHaveLength(1);
  for (const a of ["agent-1", "agent-2"])
    expect(find(log, a, AGENT_RESTART).filter((e) => e.exitCode === 0)).toHaveLength(1);
  return { id, op };
}

describe.skipIf(!avail.ok)("resilience: two worker replicas, SSH drops, Redis restarts", () => {
  let sim: SimCluster;

  beforeAll(async () => {
    sim = await startSimCluster({ name: "rotres", nodes: standardNodes(3, 2) });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it(
    "with two worker replicas, cp-2's sshd dying mid-roll: reconnect, re-check, no step twice",
    { timeout: 300_000 },
    async () => {
      // Both replicas write to one chat record, as both would post to the same Slack.
      const chatFile = join(mkdtempSync(join(tmpdir(), "rot-res-")), "chat.jsonl");
      const h = await createHarness(sim, inject("redisUrl"), { chatFile });
      const twin = await createHarness(sim, inject("redisUrl"), { prefix: h.prefix, chatFile });
      try {
        const { op } = await rotateAll(h, sim, async (t0) => {
          await whenDone(sim, "cp-2", STOP, t0);
          await sim.stopSshd("cp-2");
          await sleep(3000);
          await sim.startSshd("cp-2");
        });
        expect(op.phaseTimes.every((p) => p.completedAt)).toBe(true);
        // the drop really hit a step of cp-2, which reconnected and re-checked
        const audit = await h.ledger.audit(op.id);
        expect(
          audit.some((e) => e.node === "cp-2" && /connection lost/.test(e.text)),
          audit.map((e) => e.text).join("\n"),
        ).toBe(true);
      } finally {
        await twin.close();
        await h.close();
      }
    },
  );

  it("a Redis restart in the middle of the server roll is ridden out", { timeout: 300_000 }, async () => {
    const redis: RedisHandle = await startRedis();
    const h = await createHarness(sim, redis.url);
    try {
      await rotateAll(h, sim, async (t0) => {
        await whenDone(sim, "cp-1", START, t0);
        await redis.restart();
      });
    } finally {
      await h.close();
      await redis.stop();
    }
  });
});
