import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { parseInventory } from "../../src/config/load-inventory.js";
import type { OperationDefinition, StepContext, StepDef } from "../../src/operations/engine/definition.js";
import { runSegment, type EngineDeps } from "../../src/operations/engine/engine.js";
import { FencedError, type EngineHooks, type OperationLedger } from "../../src/operations/engine/ports.js";
import type { OpRecord } from "../../src/operations/engine/records.js";
import { ConnectionLostError } from "../../src/operations/engine/remote-access.js";
import { createRedisLedger } from "../../src/queue/operation-ledger.js";
import { systemClock } from "../../src/shared/clock.js";
import { silentLogger } from "../../src/shared/logger.js";
import type { SshExecutor } from "../../src/ssh/ssh-executor.js";
import { memoryProgressMessages } from "../../src/operations/engine/thread-progress.js";

const KEY = "SHA256:" + "A".repeat(43);
const inventory = parseInventory(
  `approvals: { approvers: [UA1, UA2] }
operations: { pollIntervalSeconds: 0.05 }
clusters:
  - name: eng
    channel: C0ENG
    nodes:
      - { name: s1, host: 10.0.0.1, role: server, hostKey: "${KEY}" }
      - { name: s2, host: 10.0.0.2, role: server, hostKey: "${KEY}" }
`,
  "/tmp/engine-test.yaml",
);
const noSsh: SshExecutor = {
  open: async () => {
    throw new Error("engine tests use fake steps");
  },
};

/** A fake node world: per node a "value" the steps set; acts can be made to lose the connection or block. */
interface World {
  value: Map<string, number>;
  calls: string[];
  loseConnectionAfterAct?: number;
  failStep2On?: string;
  block?: Promise<void>;
  /** Called when an act reaches `block` (the worker is parked inside its act). */
  blocked?: () => void;
}

function definition(w: World): OperationDefinition {
  const step = (id: string, target: number, extra: Partial<StepDef> = {}): StepDef => ({
    id,
    title: id,
    async check(ctx: StepContext) {
      w.calls.push(`check ${id} ${ctx.node.name}${ctx.resumed ? " resumed" : ""}`);
      return {
        done: (w.value.get(ctx.node.name) ?? 0) >= target,
        observed: { value: w.value.get(ctx.node.name) ?? 0 },
      };
    },
    async act(ctx) {
      w.calls.push(`act ${id} ${ctx.node.name}`);
      if (w.block) {
        w.blocked?.();
        await w.block;
      }
      w.value.set(ctx.node.name, target);
      if (w.loseConnectionAfterAct && w.loseConnectionAfterAct-- > 0)
        throw new ConnectionLostError(ctx.node.name, "connection dropped");
      if (id === "two" && w.failStep2On === ctx.node.name)
        return {
          ok: false,
          failure: { message: "two failed", command: "do two", exitCode: 3, stderr: "boom" },
        };
      return { ok: true, facts: { [`${id}At`]: target } };
    },
    async verify(ctx) {
      ctx.progress([`${ctx.node.name}: ${id} at ${w.value.get(ctx.node.name) ?? 0}`]);
      return (w.value.get(ctx.node.name) ?? 0) >= target
        ? { ok: true, summary: `value ${target}` }
        : { ok: false, failure: { message: "not set" } };
    },
    ...extra,
  });
  return {
    kind: "rotate",
    idPrefix: "rot",
    title: "Fake",
    args: z.tuple([]).transform(() => ({})),
    preflight: async () => ({ ok: false, problems: ["not used"] }),
    phases: [
      {
        id: "p1",
        title: "Phase one",
        steps: [step("one", 1), step("two", 2, { retryFrom: "one" })],
        report: () => ["p1 done"],
      },
    ],
    completion: () => ({ table: { headers: ["n"], rows: [] }, notes: [] }),
  };
}

describe("engine core with fake steps (real Redis ledger)", () => {
  let redis: Redis;
  let ledger: OperationLedger;
  let w: World;
  let hooks: EngineHooks;
  const notes: string[] = [];
  const progress: Array<{ ts?: string; title: string; lines: string[] }> = [];

  const deps = (): EngineDeps => ({
    inventory,
    progressMessages: memoryProgressMessages(),
    definitions: new Map([["rotate", definition(w)]]),
    ledger,
    executor: noSsh,
    clock: systemClock,
    logger: silentLogger,
    hooks,
    scheduler: { enqueueRun: async () => {}, scheduleExpiry: async () => {} },
    notifier: {
      postMain: async () => ({ channel: "C0ENG", ts: "1" }),
      updateMain: async () => {},
      thread: async (_op, n) => void notes.push(n.kind),
      progress: async (_op, n, ts) => {
        progress.push({ ts, title: n.phaseTitle, lines: n.lines });
        return ts ?? "progress-1";
      },
    },
    settings: {
      sshRetryMs: 300,
      sshBackoffMs: 20,
      commandTimeoutMs: 5000,
      progressIntervalMs: 10,
      settleMs: 50,
    },
    newToken: () => randomBytes(8).toString("hex"),
  });

  async function seed(): Promise<string> {
    const id = `rot-${randomBytes(4).toString("hex")}`;
    const op: OpRecord = {
      id,
      kind: "rotate",
      cluster: "eng",
      channel: "C0ENG",
      requestedBy: { userId: "UREQ" },
      requestedAt: new Date().toISOString(),
      params: {},
      plan: { summary: "", lines: [] },
      status: "running",
      phase: 0,
      runSeq: 1,
      version: 0,
      lock: `${id}:1`,
      phaseTimes: [{}],
      decisions: [],
      phases: [
        {
          id: "p1",
          title: "Phase one",
          concurrency: 1,
          items: ["s1", "s2"].map((n) => ({ node: n, role: "server" as const, steps: ["one", "two"] })),
        },
      ],
    };
    await ledger.create(op, [], []);
    return id;
  }

  beforeAll(() => {
    redis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: null });
  });
  beforeEach(() => {
    ledger = createRedisLedger(redis, { prefix: `eng-${randomBytes(4).toString("hex")}` });
    w = { value: new Map(), calls: [] };
    hooks = {};
    notes.length = 0;
    progress.length = 0;
  });
  afterAll(async () => {
    await redis.quit();
  });

  it("fences a stale attempt: its node and op writes are refused", async () => {
    const id = await seed();
    const old = await ledger.beginAttempt(id);
    const fresh = await ledger.beginAttempt(id);
    await expect(
      ledger.commitNode(id, old, { node: "s1", steps: {}, facts: { x: 1 } }, []),
    ).rejects.toBeInstanceOf(FencedError);
    await ledger.commitNode(id, fresh, { node: "s1", steps: {}, facts: { x: 2 } }, []);
    const op = (await ledger.get(id))!;
    await expect(ledger.commitOp(old, op, { ...op, status: "completed" }, [])).rejects.toBeInstanceOf(
      FencedError,
    );
    expect((await ledger.nodes(id)).get("s1")!.facts).toEqual({ x: 2 });
    expect(await ledger.casOp({ ...op, version: op.version - 1 }, op, [])).toBe(false);
  });

  it("mid-step progress: one thread message for the phase, posted once, then updated in place; the last report wins", async () => {
    const id = await seed();
    expect((await runSegment(deps(), id, new AbortController().signal)).kind).toBe("completed");
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0]).toMatchObject({ ts: undefined, title: "Phase one" });
    // Every later call updates the message the first one posted: never a second post.
    expect(progress.slice(1).map((p) => p.ts)).toEqual(progress.slice(1).map(() => "progress-1"));
    expect(progress.at(-1)!.lines).toEqual(["s2: two at 2"]);
  });

  it("runs every step once, in order, one node at a time, and completes the last phase", async () => {
    const id = await seed();
    expect((await runSegment(deps(), id, new AbortController().signal)).kind).toBe("completed");
    expect(w.calls.filter((c) => c.startsWith("act"))).toEqual([
      "act one s1",
      "act two s1",
      "act one s2",
      "act two s2",
    ]);
    expect((await ledger.get(id))!.status).toBe("completed");
    const s1 = (await ledger.nodes(id)).get("s1")!;
    expect(s1.steps["p1/one"]).toMatchObject({ state: "done", attempts: 1, observed: { value: 0 } });
    expect(s1.facts).toMatchObject({ oneAt: 1, twoAt: 2 });
  });

  it("after a dropped connection re-checks the node and does not act again", async () => {
    const id = await seed();
    w.loseConnectionAfterAct = 1;
    expect((await runSegment(deps(), id, new AbortController().signal)).kind).toBe("completed");
    expect(w.calls.slice(0, 3)).toEqual(["check one s1", "act one s1", "check one s1 resumed"]);
    expect(w.calls.filter((c) => c === "act one s1")).toHaveLength(1);
  });

  it("gives up on a node unreachable longer than the SSH retry budget and halts", async () => {
    const id = await seed();
    w.loseConnectionAfterAct = 1000;
    w.value.set("s1", -100); // check never sees the act's effect: keep acting and losing the connection
    const d = deps();
    d.definitions = new Map([
      [
        "rotate",
        {
          ...definition(w),
          phases: [
            {
              ...definition(w).phases[0]!,
              steps: definition(w).phases[0]!.steps.map((s) =>
                s.id === "one" ? { ...s, check: async () => ({ done: false }) } : s,
              ),
            },
          ],
        },
      ],
    ]);
    expect((await runSegment(d, id, new AbortController().signal)).kind).toBe("halted");
    const op = (await ledger.get(id))!;
    expect(op.failure).toMatchObject({ node: "s1", step: "one" });
    expect(op.failure!.message).toMatch(/unreachable/);
    expect(op.gate?.kind).toBe("failure");
  });

  it("a stale worker is fenced by a newer delivery and stops; the newer one finishes", async () => {
    const id = await seed();
    let release!: () => void;
    w.block = new Promise<void>((r) => (release = r));
    const parked = new Promise<void>((r) => (w.blocked = r));
    const zombie = runSegment(deps(), id, new AbortController().signal);
    await parked; // the zombie recorded its intent and is inside its act
    w.block = undefined;
    const fresh = await runSegment(deps(), id, new AbortController().signal);
    expect(fresh.kind).toBe("completed");
    release();
    expect((await zombie).kind).toBe("fenced");
    expect((await ledger.get(id))!.status).toBe("completed");
  });

  it("halts on a failed step with its command, and Retry resumes from retryFrom with a fresh check", async () => {
    const id = await seed();
    w.failStep2On = "s1";
    expect((await runSegment(deps(), id, new AbortController().signal)).kind).toBe("halted");
    let op = (await ledger.get(id))!;
    expect(op.failure).toMatchObject({
      node: "s1",
      step: "two",
      command: "do two",
      exitCode: 3,
      stderr: "boom",
    });
    expect(w.calls.some((c) => c.endsWith("s2"))).toBe(false);
    w.failStep2On = undefined;
    await ledger.casOp(op, { ...op, status: "running", gate: undefined, failure: undefined }, []);
    w.calls.length = 0;
    expect((await runSegment(deps(), id, new AbortController().signal)).kind).toBe("completed");
    expect(w.calls.slice(0, 2)).toEqual(["check one s1", "check two s1"]);
    op = (await ledger.get(id))!;
    expect(op.status).toBe("completed");
  });

  it("waits for a 'may this node start?' gate without touching the node, then continues without a new approval", async () => {
    const id = await seed();
    const until = new Date(Date.now() + 60_000);
    hooks.mayStartNode = async ({ node }) =>
      node.name === "s2"
        ? { ok: false, notBefore: until, reason: "outside the maintenance window" }
        : { ok: true };
    const first = await runSegment(deps(), id, new AbortController().signal);
    expect(first).toEqual({ kind: "wait", until });
    expect(w.calls.some((c) => c.endsWith("s2"))).toBe(false);
    expect((await ledger.get(id))!).toMatchObject({ status: "running", waitingUntil: until.toISOString() });
    hooks.mayStartNode = async () => ({ ok: true });
    expect((await runSegment(deps(), id, new AbortController().signal)).kind).toBe("completed");
    expect(w.calls.filter((c) => c === "act one s1")).toHaveLength(1);
  });

  it("a failing post-node check halts before the next node", async () => {
    const id = await seed();
    hooks.afterNode = async ({ node }) =>
      node.name === "s1" ? { ok: false, message: "app check 'shop' answered 503" } : { ok: true };
    expect((await runSegment(deps(), id, new AbortController().signal)).kind).toBe("halted");
    expect((await ledger.get(id))!.failure).toMatchObject({
      node: "s1",
      step: "~after-node",
      message: "app check 'shop' answered 503",
    });
    expect(w.calls.some((c) => c.endsWith("s2"))).toBe(false);
  });

  it("a refused health gate fails the disruptive step without acting; Retry then runs it", async () => {
    const id = await seed();
    const d = deps();
    const base = definition(w);
    const p1 = base.phases[0]!;
    d.definitions = new Map([
      [
        "rotate",
        {
          ...base,
          phases: [{ ...p1, steps: p1.steps.map((s) => (s.id === "two" ? { ...s, disruptive: true } : s)) }],
        },
      ],
    ]);
    const seen: string[][] = [];
    hooks.beforeDisruptive = async ({ node, busy }) => {
      seen.push([node.name, ...busy]);
      return { ok: false, problems: ["s2 is NotReady"] };
    };
    expect((await runSegment(d, id, new AbortController().signal)).kind).toBe("halted");
    let op = (await ledger.get(id))!;
    expect(op.failure).toMatchObject({ node: "s1", step: "two" });
    expect(op.failure!.message).toBe("not safe to two on s1 now: s2 is NotReady; nothing was done on s1");
    expect(op.failure!.recovery.join(" ")).toMatch(/Bring the named nodes back to Ready/);
    expect(seen).toEqual([["s1", "s1"]]);
    expect(w.calls).not.toContain("act two s1");
    expect((await ledger.nodes(id)).get("s1")!.steps["p1/two"]).toMatchObject({
      state: "failed",
      attempts: 0,
    });

    hooks.beforeDisruptive = async () => ({ ok: true });
    await ledger.casOp(op, { ...op, status: "running", gate: undefined, failure: undefined }, []);
    expect((await runSegment(d, id, new AbortController().signal)).kind).toBe("completed");
    expect(w.calls.filter((c) => c === "act two s1")).toHaveLength(1);
    op = (await ledger.get(id))!;
    expect(op.status).toBe("completed");
  });

  it("tags every step audit entry with its phase (the commitNode callback)", async () => {
    const id = await seed();
    expect((await runSegment(deps(), id, new AbortController().signal)).kind).toBe("completed");
    const steps = (await ledger.audit(id)).filter((e) => e.kind === "step");
    expect(steps.map((e) => e.text)).toContain("one: value 1");
    expect(steps.length).toBeGreaterThanOrEqual(4);
    expect(new Set(steps.map((e) => e.phase))).toEqual(new Set(["p1"]));
  });

  it("honours a cancel request before the next step", async () => {
    const id = await seed();
    hooks.probe = async (p) => {
      if (p === "p1/one:s1:after-commit") {
        const op = (await ledger.get(id))!;
        await ledger.casOp(op, { ...op, cancelRequested: { by: "UA1", at: new Date().toISOString() } }, []);
      }
    };
    expect((await runSegment(deps(), id, new AbortController().signal)).kind).toBe("cancelled");
    expect(w.calls.filter((c) => c.startsWith("act"))).toEqual(["act one s1"]);
    expect((await ledger.get(id))!.status).toBe("cancelled");
  });
});
