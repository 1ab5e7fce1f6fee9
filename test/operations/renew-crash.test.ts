import { afterEach, describe, expect, it } from "vitest";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { cmd, find, MUTATING, ROTATE } from "./support/command-log.js";
import { crashAndResume } from "./support/crash-harness.js";
import { createHarness, testInventoryYaml } from "./support/harness.js";
import { hostLeaves } from "./support/host-certs.js";

const avail = namespacesAvailable();
const servers = ["cp-1", "cp-2", "cp-3"];
const SERVER_RESTART = /^systemctl restart rke2-server$/;
const AGENT_RESTART = /^systemctl restart rke2-agent$/;
const due: Record<string, string> = {
  "cp-2": "server/tls/client-controller.crt",
  "agent-1": "agent/client-kubelet.crt",
};

/**
 * The worker runs in a child process and SIGKILLs itself at an engine probe point (after a
 * restart ran, before its checkpoint); a supervisor restarts it and the engine resumes from the
 * ledger. No restart may run twice, no approval be skipped, and the leaves end up renewed.
 */
describe.skipIf(!avail.ok)("renewal by restart: crash and resume (worker SIGKILLed, restarted)", () => {
  let sim: SimCluster | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  const points = [
    "server-restarts/restart:cp-2:after-act",
    "server-restarts/verify-renewed:cp-2:after-commit",
    "agent-restarts/restart:agent-1:after-act",
  ];
  for (const point of points)
    it(`SIGKILL at ${point}`, { timeout: 240_000 }, async () => {
      const nodes = standardNodes(3, 1);
      for (const n of nodes)
        if (due[n.name]) n.certs = { overrides: { [due[n.name]!]: { notAfterDays: 45 } } };
      sim = await startSimCluster({ name: "rencrash", nodes });
      const before = new Map(sim.nodes.map((n) => [n.name, hostLeaves(n)]));
      const r = await crashAndResume({
        name: "ren-crash",
        sim,
        kind: "renew",
        inventoryYaml: testInventoryYaml(sim),
        crashAt: [point],
        harness: (url, opts) => createHarness(sim!, url, opts),
      });
      expect(r.crashed, r.errors).toEqual([point]);
      expect(r.deaths).toBe(1);
      expect(r.op.status, JSON.stringify(r.op.failure)).toBe("completed");

      for (const s of servers)
        expect(find(r.log, s, SERVER_RESTART).map(cmd), `restart on ${s}`).toHaveLength(1);
      expect(find(r.log, "agent-1", AGENT_RESTART), "restart on agent-1").toHaveLength(1);
      expect(find(r.log, undefined, ROTATE)).toEqual([]);
      const order = find(r.log, undefined, MUTATING)
        .filter((e) => servers.includes(e.node) && SERVER_RESTART.test(cmd(e)))
        .map((e) => e.node);
      expect(order).toEqual(servers);
      for (const [n, rel] of Object.entries(due)) {
        const node = sim.nodes.find((x) => x.name === n)!;
        expect(hostLeaves(node).get(rel)!.serial, `${n} ${rel}`).not.toBe(before.get(n)!.get(rel)!.serial);
      }
      const decisions = r.audit.filter((e) => e.kind === "decision");
      const started = r.audit.filter((e) => e.kind === "phase" && /started/.test(e.text));
      expect(decisions).toHaveLength(3);
      expect(started).toHaveLength(3);
      started.forEach((s, i) =>
        expect(Date.parse(s.at)).toBeGreaterThanOrEqual(Date.parse(decisions[i]!.at)),
      );
    });
});
