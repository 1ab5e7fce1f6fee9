import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { OperationNotifier, ProgressNote } from "../../src/operations/engine/ports.js";
import type { OpRecord } from "../../src/operations/engine/records.js";
import {
  createThreadProgress,
  memoryProgressMessages,
  type ProgressMessages,
} from "../../src/operations/engine/thread-progress.js";
import { redisProgressMessages } from "../../src/queue/progress-messages.js";
import { silentLogger } from "../../src/shared/logger.js";
import { ManualClock } from "../support/manual-clock.js";

const op = { id: "suc-abc", message: { channel: "C1", ts: "1.0" } } as unknown as OpRecord;

function notifier(failPosts = 0) {
  const calls: Array<{ ts?: string; note: ProgressNote }> = [];
  let posts = 0;
  const n: Pick<OperationNotifier, "progress"> = {
    async progress(_op, note, ts) {
      calls.push({ ts, note });
      if (ts) return ts;
      // A failed post (Slack down): the adapter logs it and returns no ts.
      return ++posts <= failPosts ? undefined : `t-${posts}`;
    },
  };
  return { calls, n: n as OperationNotifier };
}

const make = (
  n: OperationNotifier,
  clock: ManualClock,
  messages: ProgressMessages = memoryProgressMessages(),
) =>
  createThreadProgress({
    notifier: n,
    op: () => op,
    phase: { id: "servers", title: "Server plan" },
    messages,
    clock,
    log: silentLogger,
    minIntervalMs: 1000,
  });

describe("thread progress (one message per operation and phase)", () => {
  it("posts once, then coalesces a burst into one update after the interval, carrying only the latest lines", async () => {
    const clock = new ManualClock();
    const { calls, n } = notifier();
    const p = make(n, clock);
    p.report(["a"]);
    p.report(["b"]);
    p.report(["c"]);
    await clock.advance(0);
    expect(calls.map((c) => [c.ts, c.note.lines])).toEqual([[undefined, ["a"]]]);
    // Rate limit: nothing more until the interval has passed.
    expect(clock.pending).toBe(1);
    await clock.advance(1000);
    await p.drain();
    expect(calls.map((c) => [c.ts, c.note.lines])).toEqual([
      [undefined, ["a"]],
      ["t-1", ["c"]],
    ]);
    expect(calls[0]!.note.phaseTitle).toBe("Server plan");
  });

  it("drain sends the last report at once; a later segment of the same phase updates the same message", async () => {
    const clock = new ManualClock();
    const { calls, n } = notifier();
    const messages = memoryProgressMessages();
    const first = make(n, clock, messages);
    first.report(["one"]);
    first.report(["two"]);
    await first.drain();
    expect(calls.map((c) => [c.ts, c.note.lines])).toEqual([
      [undefined, ["one"]],
      ["t-1", ["two"]],
    ]);
    const retry = make(n, clock, messages);
    retry.report(["three"]);
    await retry.drain();
    expect(calls.at(-1)).toMatchObject({ ts: "t-1", note: { lines: ["three"] } });
    // Once the phase is done its message is let go: a new phase posts its own.
    retry.forget();
    await clock.advance(0);
    expect(messages.size).toBe(0);
  });

  it("a failed post is tried again on the next report (never an update of a message that does not exist)", async () => {
    const clock = new ManualClock();
    const { calls, n } = notifier(1);
    const p = make(n, clock);
    p.report(["x"]);
    await p.drain();
    p.report(["y"]);
    await p.drain();
    expect(calls.map((c) => [c.ts, c.note.lines])).toEqual([
      [undefined, ["x"]],
      [undefined, ["y"]],
    ]);
  });
});

describe("thread progress across processes (the message's place is kept in Redis)", () => {
  const connections: Redis[] = [];
  const connect = () => {
    const r = new Redis(inject("redisUrl"));
    connections.push(r);
    return r;
  };
  afterAll(() => connections.forEach((r) => r.disconnect()));

  it("a segment run by a restarted worker or another replica updates the same message", async () => {
    const clock = new ManualClock();
    const { calls, n } = notifier();
    const prefix = `progress-${Date.now()}`;
    // Two connections stand for two processes: nothing is shared but Redis.
    const before = make(n, clock, redisProgressMessages(connect(), prefix));
    before.report(["agent-1 running"]);
    await before.drain();
    const after = make(n, clock, redisProgressMessages(connect(), prefix));
    after.report(["agent-1 done"]);
    await after.drain();
    expect(calls.map((c) => [c.ts, c.note.lines])).toEqual([
      [undefined, ["agent-1 running"]],
      ["t-1", ["agent-1 done"]],
    ]);
    const keys = await connections[0]!.keys(`{${prefix}}:progress:*`);
    expect(keys).toEqual([`{${prefix}}:progress:suc-abc/servers`]);
    expect(await connections[0]!.ttl(keys[0]!)).toBeGreaterThan(86_400);
    after.forget();
    await clock.advance(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(await connections[0]!.exists(keys[0]!)).toBe(0);
  });
});
