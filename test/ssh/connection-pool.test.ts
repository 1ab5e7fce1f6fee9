import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scanInventory } from "../../src/scan/scan-inventory.js";
import type { Inventory } from "../../src/config/inventory.js";
import { loadInventory } from "../../src/config/load-inventory.js";
import { createSsh2Executor, type Ssh2Executor } from "../../src/ssh/ssh2-executor.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { ManualClock } from "../support/manual-clock.js";

const ns = namespacesAvailable();

/** Client-side ports of the TCP connections established to a node's sshd: one per SSH connection. */
function connectionsTo(port: number): string[] {
  const out = execFileSync("ss", ["-Htn", "state", "established", `( dport = :${port} )`], {
    encoding: "utf8",
  });
  return out
    .split("\n")
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/).at(-2)!)
    .sort();
}

async function until(what: string, pred: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!ns.ok)("warm SSH connections (real sshd)", () => {
  let sim: SimCluster;
  let inv: Inventory;
  let clock: ManualClock;
  let executor: Ssh2Executor;
  const ports = () => sim.nodes.map((n) => n.port);
  const all = () => ports().flatMap(connectionsTo);

  beforeAll(async () => {
    sim = await startSimCluster({ name: "pool", nodes: standardNodes(1, 2) });
    inv = loadInventory(sim.writeInventory());
  });
  afterAll(async () => {
    await executor?.close();
    await sim?.stop();
  });

  it("a second scan within the keep-alive window reuses every connection; idle ones close after keepAliveSeconds on the clock", async () => {
    clock = new ManualClock();
    executor = createSsh2Executor({ clock, keepAliveMs: 120_000, connectAttempts: 1 });
    const first = await scanInventory(inv, { executor, clock });
    expect(first[0]!.nodes.every((n) => n.ok)).toBe(true);
    const warm = all();
    expect(warm).toHaveLength(3); // one per node, kept open
    expect(executor.poolStats()).toMatchObject({ open: 3, idle: 3, busySlots: 0 });

    await clock.advance(60_000);
    const second = await scanInventory(inv, { executor, clock });
    expect(second[0]!.nodes.every((n) => n.ok)).toBe(true);
    expect(all()).toEqual(warm); // same client ports: no new TCP connection, no new authentication

    // 119.999 s idle after the second scan: still open; at 120 s: closed.
    await clock.advance(119_999);
    expect(executor.poolStats().idle).toBe(3);
    await clock.advance(1);
    await until("idle connections closed", () => executor.poolStats().open === 0);
    await until("sshd sees them gone", () => all().length === 0);
  });

  it("a changed pinned host key never reuses the connection made under the old one, and drops it", async () => {
    clock = new ManualClock();
    await executor.close();
    executor = createSsh2Executor({ clock, keepAliveMs: 120_000, connectAttempts: 1 });
    await scanInventory(inv, { executor, clock });
    const target = sim.nodes[1]!;
    const before = connectionsTo(target.port);
    expect(before).toHaveLength(1);
    // The inventory now pins another key for the node (as after a reinstall): the server's is refused.
    const other = sim.nodes[0]!.hostKeyFingerprint;
    const changed: Inventory = {
      ...inv,
      clusters: inv.clusters.map((c) => ({
        ...c,
        nodes: c.nodes.map((n) => (n.name === target.name ? { ...n, ssh: { ...n.ssh, hostKey: other } } : n)),
      })),
    };
    const [scan] = await scanInventory(changed, { executor, clock });
    const node = scan!.nodes.find((n) => n.node === target.name)!;
    expect(node.ok).toBe(false);
    expect(!node.ok && node.error.kind).toBe("host-key-mismatch");
    await until("old connection dropped", () => connectionsTo(target.port).length === 0);
    // The other nodes kept their warm connections.
    expect(sim.nodes.filter((n) => n !== target).flatMap((n) => connectionsTo(n.port))).toHaveLength(2);
  });

  it("a pooled connection the node cut is replaced transparently", async () => {
    clock = new ManualClock();
    await executor.close();
    executor = createSsh2Executor({ clock, keepAliveMs: 120_000, connectAttempts: 1 });
    await scanInventory(inv, { executor, clock });
    const target = sim.nodes[2]!;
    const before = connectionsTo(target.port);
    expect(sim.dropSessions(target.name)).toBeGreaterThan(0);
    const [scan] = await scanInventory(inv, { executor, clock });
    expect(scan!.nodes.every((n) => n.ok)).toBe(true);
    const after = connectionsTo(target.port);
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
  });

  it("close() (the shutdown path) closes every pooled connection and leaves no eviction timer armed", async () => {
    await scanInventory(inv, { executor, clock });
    expect(all().length).toBe(3);
    expect(clock.pending).toBe(1); // one sweep for the pool, not one timer per idle connection
    await executor.close();
    await until("all closed", () => all().length === 0);
    expect(executor.poolStats().open).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it("connections given back at different times are each evicted keepAliveSeconds after their own last use", async () => {
    clock = new ManualClock();
    executor = createSsh2Executor({ clock, keepAliveMs: 120_000, connectAttempts: 1 });
    await scanInventory(inv, { executor, clock });
    await clock.advance(50_000);
    const [one] = inv.clusters[0]!.nodes;
    await scanInventory(inv, { executor, clock }, { cluster: inv.clusters[0]!.name, node: one!.name });
    await clock.advance(70_000); // 120 s after the first scan: the two others go
    await until("two evicted", () => executor.poolStats().open === 1);
    expect(connectionsTo(sim.nodes[0]!.port)).toHaveLength(1);
    await clock.advance(49_999);
    expect(executor.poolStats().idle).toBe(1);
    await clock.advance(1); // 120 s after its own last use
    await until("last evicted", () => executor.poolStats().open === 0);
    await executor.close();
  });
});
