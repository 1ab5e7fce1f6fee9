import { describe, expect, it } from "vitest";
import { mapLimit } from "../../src/shared/map-limit.js";
import { Semaphore, SlotTimeoutError } from "../../src/ssh/semaphore.js";
import { ManualClock } from "../support/manual-clock.js";

describe("Semaphore", () => {
  it("hands a released slot to the first waiter: a newcomer cannot overtake it", async () => {
    const s = new Semaphore(1);
    const r1 = await s.acquire();
    const order: string[] = [];
    const w = s.acquire().then((r) => (order.push("waiter"), r));
    r1();
    const late = s.acquire().then((r) => (order.push("newcomer"), r));
    (await w)();
    (await late)();
    expect(order).toEqual(["waiter", "newcomer"]);
    expect(s.inUse).toBe(0);
  });

  it("gives up after the timeout on the clock, and the slot count stays right", async () => {
    const clock = new ManualClock();
    const s = new Semaphore(1, clock);
    const r1 = await s.acquire();
    const w = s.acquire({ timeoutMs: 5000 });
    let settled = false;
    void w.catch(() => undefined).finally(() => (settled = true));
    await clock.advance(4999);
    expect(settled).toBe(false);
    await clock.advance(1);
    await expect(w).rejects.toBeInstanceOf(SlotTimeoutError);
    r1();
    expect(s.inUse).toBe(0);
    const r2 = await s.acquire({ timeoutMs: 5000 });
    expect(s.inUse).toBe(1);
    r2();
    expect(clock.pending).toBe(0); // the timer of a granted wait is cancelled
  });

  it("an aborted wait leaves the queue", async () => {
    const s = new Semaphore(1);
    const r1 = await s.acquire();
    const ac = new AbortController();
    const w = s.acquire({ signal: ac.signal });
    ac.abort(new Error("stop"));
    await expect(w).rejects.toThrow("stop");
    r1();
    expect(s.inUse).toBe(0);
  });
});

describe("mapLimit", () => {
  it("keeps order and never runs more than the limit at once", async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimit([...Array(50).keys()], 8, async (i) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setImmediate(r));
      running--;
      return i * 2;
    });
    expect(out).toEqual([...Array(50).keys()].map((i) => i * 2));
    expect(most).toBe(8);
  });
});
