import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { ShiftedClock } from "../support/shifted-clock.js";
import { cmd, commandsSince, find, MUTATING } from "./support/command-log.js";
import { APPROVERS, atGate, createHarness, finished, REQUESTER, type Harness } from "./support/harness.js";
import { buttonsOf } from "./support/recording-chat.js";

const avail = namespacesAvailable();

describe.skipIf(!avail.ok)("approvals, refusals, cancellation, preflight", () => {
  let sim: SimCluster;
  let h: Harness;

  beforeAll(async () => {
    sim = await startSimCluster({ name: "rotappr", nodes: standardNodes(3, 2) });
  });
  afterEach(async () => {
    await h?.close();
    for (const n of sim.nodes) for (const k of ["etcd-unhealthy", "slow-ms"]) sim.setKnob(n.name, k, null);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it(
    "refuses strangers and self-approval; a double click advances exactly one phase; one op per cluster",
    { timeout: 120_000 },
    async () => {
      h = await createHarness(sim, inject("redisUrl"));
      const req = await h.ops.request("rotate", sim.name, [], { userId: APPROVERS[0]! });
      expect(req.ok, req.message).toBe(true);
      const id = req.operationId!;
      const second = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
      expect(second.ok).toBe(false);
      expect(second.message).toContain(id);

      const before = await h.op(id);
      const stranger = await h.click(id, "approve", "USTRANGER");
      expect(stranger.ok).toBe(false);
      expect(stranger.message).toMatch(/approvers/);
      const self = await h.click(id, "approve", APPROVERS[0]);
      expect(self.ok).toBe(false);
      expect(self.message).toMatch(/another approver/);
      expect((await h.op(id)).version).toBe(before.version);

      const { token } = buttonsOf(h.chat.latest(before.message!.ts)).get("approve")!;
      const clicks = await Promise.all([
        h.ops.decide(id, "approve", token, { userId: APPROVERS[1]! }),
        h.ops.decide(id, "approve", token, { userId: APPROVERS[1]! }),
        h.ops.decide(id, "approve", token, { userId: "UAPPROVER3" }),
      ]);
      expect(clicks.filter((c) => c.ok)).toHaveLength(1);
      const op = await h.waitFor(id, atGate(1));
      expect(op.decisions.filter((d) => d.action === "approve")).toHaveLength(1);
      expect(op.runSeq).toBe(1);
      const audit = await h.ledger.audit(id);
      expect(audit.filter((e) => e.kind === "phase" && /started/.test(e.text))).toHaveLength(1);
      // The stale token of gate 1 cannot approve gate 2.
      expect((await h.ops.decide(id, "approve", token, { userId: APPROVERS[1]! })).ok).toBe(false);

      const cancel = await h.ops.cancel(id, { userId: APPROVERS[0]! });
      expect(cancel.ok).toBe(true);
      expect((await h.op(id)).status).toBe("cancelled");
      expect(await h.ledger.lockHolder(sim.name)).toBeUndefined();
    },
  );

  it(
    "an expired approval is refused and cancels the operation; the sweeper expires unattended gates",
    { timeout: 120_000 },
    async () => {
      const clock = new ShiftedClock(); // approval expiry without waiting hours
      h = await createHarness(sim, inject("redisUrl"), { clock, approvals: { expireAfterMinutes: 30 } });
      const t0 = Date.now();
      const a = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
      clock.advance(31 * 60_000);
      const late = await h.click(a.operationId!, "approve");
      expect(late.ok).toBe(false);
      expect(late.message).toMatch(/expired/);
      expect((await h.op(a.operationId!)).status).toBe("expired");

      const b = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
      expect(b.ok, b.message).toBe(true);
      clock.advance(31 * 60_000);
      const op = await h.waitFor(b.operationId!, finished, 15_000);
      expect(op.status).toBe("expired");
      expect(await h.ledger.lockHolder(sim.name)).toBeUndefined();
      expect(commandsSince(sim.commandLog(), t0, MUTATING)).toEqual([]);
    },
  );

  it("/rke2 cancel while a phase runs stops before the next step", { timeout: 120_000 }, async () => {
    h = await createHarness(sim, inject("redisUrl"));
    for (const n of ["cp-1", "cp-2", "cp-3"]) sim.setKnob(n, "slow-ms", "400");
    const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
    const id = req.operationId!;
    const t0 = Date.now();
    expect((await h.click(id, "approve")).ok).toBe(true);
    await h.waitFor(id, (o) => o.status === "running" && !!o.phaseTimes[0]?.startedAt);
    expect((await h.ops.cancel(id, { userId: REQUESTER })).ok).toBe(true);
    const op = await h.waitFor(id, finished);
    expect(op.status).toBe("cancelled");
    const snaps = find(
      sim.commandLog().filter((e) => e.t >= t0),
      undefined,
      /etcd-snapshot save/,
    );
    expect(snaps.length).toBeLessThan(3);
    const nodes = await h.ledger.nodes(id);
    expect([...nodes.values()].some((n) => Object.values(n.steps).some((s) => s.state === "planned"))).toBe(
      true,
    );
  });

  it(
    "a failed preflight (etcd unhealthy on cp-2) says what failed, offers nothing to approve and frees the cluster",
    { timeout: 60_000 },
    async () => {
      h = await createHarness(sim, inject("redisUrl"));
      sim.setKnob("cp-2", "etcd-unhealthy", "1");
      const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
      expect(req.ok).toBe(false);
      expect(req.message).toMatch(/cp-2: \/readyz failing: .*etcd/);
      const op = await h.op(req.operationId!);
      expect(op.status).toBe("preflight-failed");
      expect(op.preflightProblems?.join(" ")).toMatch(/etcd/);
      expect(buttonsOf(h.chat.latest(op.message!.ts)).size).toBe(0);
      expect(await h.ledger.lockHolder(sim.name)).toBeUndefined();
      expect(
        find(
          sim.commandLog().filter((e) => e.t >= Date.parse(op.requestedAt)),
          undefined,
          MUTATING,
        ).map(cmd),
      ).toEqual([]);
    },
  );
});
