import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { checkMessageLimits } from "../../src/slack/blocks/limits.js";
import { cmd, commandsSince, find, MUTATING, one, READYZ_OK, ROTATE } from "./support/command-log.js";
import { approveToEnd, mainMessage, requestOperation } from "./support/drive.js";
import { createHarness, REQUESTER, testInventory, type Harness } from "./support/harness.js";
import { hostLeaves } from "./support/host-certs.js";
import { buttonsOf, textOf } from "./support/recording-chat.js";

const avail = namespacesAvailable();
const SERVER_RESTART = /^systemctl restart rke2-server$/;
const AGENT_RESTART = /^systemctl restart rke2-agent$/;
const DRAIN = /^kubectl (--kubeconfig \S+ )?drain agent-1 /;
const UNCORDON = /^kubectl (--kubeconfig \S+ )?uncordon agent-1$/;

/** SHA-256 of the leaf's public key, read on the host side (not through the code under test). */
function publicKey(dataDir: string, rel: string): string {
  const x = new X509Certificate(readFileSync(join(dataDir, rel)));
  return createHash("sha256")
    .update(x.publicKey.export({ type: "spki", format: "der" }))
    .digest("hex");
}

describe.skipIf(!avail.ok)(
  "renewal by rolling restart on 3 servers + 1 agent (real sshd, real Redis)",
  () => {
    let sim: SimCluster;
    let h: Harness;
    const servers = ["cp-1", "cp-2", "cp-3"];
    // Inside the 120-day window: one leaf on cp-1, one on cp-3, one on the agent.
    const due: Record<string, string> = {
      "cp-1": "server/tls/serving-kube-apiserver.crt",
      "cp-3": "server/tls/client-scheduler.crt",
      "agent-1": "agent/client-kube-proxy.crt",
    };

    beforeAll(async () => {
      const nodes = standardNodes(3, 1);
      for (const n of nodes)
        if (due[n.name]) n.certs = { overrides: { [due[n.name]!]: { notAfterDays: 60 } } };
      sim = await startSimCluster({ name: "renewflow", nodes });
      const base = testInventory(sim);
      const inventory = { ...base, operations: { ...base.operations, drainForRestart: true } };
      h = await createHarness(sim, inject("redisUrl"), { inventory });
    });
    afterAll(async () => {
      await h?.close();
      await sim?.stop();
    });

    it(
      "renews the leaves inside the window with the same keys, servers one at a time, then the drained agent; nothing rotated",
      { timeout: 180_000 },
      async () => {
        const node = (name: string) => sim.nodes.find((n) => n.name === name)!;
        const keysBefore = Object.fromEntries(
          Object.entries(due).map(([n, rel]) => [n, publicKey(node(n).dataDir, rel)]),
        );
        const before = new Map(sim.nodes.map((n) => [n.name, hostLeaves(n)]));
        const t0 = Date.now();
        const planned = await requestOperation(h, "renew", sim.name);
        const id = planned.id;
        expect(id).toMatch(/^ren-[a-z0-9]{8}$/);
        const plan = mainMessage(h, planned);
        expect(checkMessageLimits(plan)).toEqual([]);
        expect(textOf(plan)).toContain("cp-1 → cp-2 → cp-3");
        expect(textOf(plan)).toContain("serving-kube-apiserver.crt");
        expect(textOf(plan)).toMatch(/cordon and drain/);
        expect([...buttonsOf(plan).keys()]).toEqual(["approve", "reject"]);
        expect(commandsSince(sim.commandLog(), t0, MUTATING)).toEqual([]);

        const op = await approveToEnd(h, id, {
          atGate: (_at, phase) => {
            // Before the agent phase: servers restarted, the agent not yet.
            if (phase === 2)
              expect(
                find(
                  sim.commandLog().filter((e) => e.t >= t0),
                  "agent-1",
                  MUTATING,
                ),
              ).toEqual([]);
          },
        });
        expect(op.status, JSON.stringify(op.failure)).toBe("completed");

        // The leaves inside the window: new serial, valid now, beyond the window, same public key.
        const doneAt = Date.now();
        for (const [n, rel] of Object.entries(due)) {
          const b = before.get(n)!.get(rel)!;
          const a = hostLeaves(node(n)).get(rel)!;
          expect(a.serial, `${n} ${rel}`).not.toBe(b.serial);
          expect(a.notBefore).toBeLessThanOrEqual(doneAt);
          expect(a.notAfter).toBeGreaterThan(doneAt + 120 * 86_400_000);
          expect(publicKey(node(n).dataDir, rel), `${n} ${rel} keeps its key`).toBe(keysBefore[n]);
        }
        // A server leaf outside the window is left alone (restart, not rotation).
        const untouched = "server/tls/client-admin.crt";
        expect(hostLeaves(node("cp-2")).get(untouched)!.serial).toBe(
          before.get("cp-2")!.get(untouched)!.serial,
        );

        // Nothing rotated; servers strictly one at a time, each Ready before the next; the agent after.
        const log = sim.commandLog().filter((e) => e.t >= t0);
        expect(find(log, undefined, ROTATE).map(cmd)).toEqual([]);
        expect(find(log, undefined, /^systemctl stop /).map(cmd)).toEqual([]);
        let prevReadyAt = 0;
        for (const s of servers) {
          const r = one(log, s, SERVER_RESTART);
          expect(r.t, `${s} restarted after the previous server was Ready`).toBeGreaterThan(prevReadyAt);
          const ready = find(log, s, READYZ_OK).filter((e) => e.t > r.tEnd! && e.exitCode === 0);
          expect(ready.length, `readyz on ${s} after its restart`).toBeGreaterThan(0);
          const others = find(log, undefined, SERVER_RESTART).filter(
            (e) => e.node !== s && e.t < ready[0]!.tEnd! && e.tEnd! > r.t,
          );
          expect(others.map((e) => e.node)).toEqual([]);
          prevReadyAt = ready[0]!.tEnd!;
        }
        const drain = find(log, undefined, DRAIN);
        expect(drain).toHaveLength(1);
        const agentRestart = one(log, "agent-1", AGENT_RESTART);
        expect(drain[0]!.t).toBeGreaterThan(prevReadyAt);
        expect(agentRestart.t).toBeGreaterThan(drain[0]!.tEnd!);
        const uncordon = find(log, undefined, UNCORDON);
        expect(uncordon).toHaveLength(1);
        expect(uncordon[0]!.t).toBeGreaterThan(agentRestart.tEnd!);

        // Completion: before/after table, never key material.
        const thread = await h.threadWith(op.message!.ts, `${id} complete`);
        const all = thread.map(textOf).join("\n");
        const completion = thread.find((m) => textOf(m).includes(`${id} complete`))!;
        const table = textOf(completion).replaceAll("\\n", "\n");
        for (const n of [...servers, "agent-1"])
          expect(table, `table row of ${n}`).toMatch(new RegExp(`^${n} [^\\n]*renewed, same keys`, "m"));
        expect(all).not.toMatch(/PRIVATE KEY|client-key-data/);
        for (const m of thread) expect(checkMessageLimits(m)).toEqual([]);
        expect(await h.ledger.lockHolder(sim.name)).toBeUndefined();
      },
    );

    it("refuses when no leaf is inside the renewal window (after the renewal above), changing nothing", async () => {
      const t0 = Date.now();
      const req = await h.ops.request("renew", sim.name, [], { userId: REQUESTER });
      expect(req.ok).toBe(false);
      expect(req.message).toMatch(/renewal window: a restart would renew nothing/);
      expect(commandsSince(sim.commandLog(), t0, MUTATING)).toEqual([]);
    });
  },
);
