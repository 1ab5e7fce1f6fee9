import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { cmd, find, MUTATING, ROTATE } from "./support/command-log.js";
import {
  APPROVERS,
  atGate,
  createHarness,
  finished,
  REQUESTER,
  testInventoryYaml,
} from "./support/harness.js";
import { hostLeaves } from "./support/host-certs.js";
import { SupervisedWorker } from "./support/worker-process.js";

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
      const dir = mkdtempSync(join(tmpdir(), "ren-crash-"));
      const inventoryPath = join(dir, "rke2-chatops.yaml");
      writeFileSync(inventoryPath, testInventoryYaml(sim));
      const prefix = `rencrash-${Math.random().toString(36).slice(2, 8)}`;
      const chatFile = join(dir, "chat.jsonl");
      const markFile = join(dir, "crashed");
      const h = await createHarness(sim, inject("redisUrl"), { workers: false, prefix, chatFile });
      const worker = new SupervisedWorker({
        REDIS_URL: inject("redisUrl"),
        OPS_PREFIX: prefix,
        INVENTORY_PATH: inventoryPath,
        CHAT_FILE: chatFile,
        CRASH_AT: point,
        CRASH_MARK: markFile,
      });
      await worker.start();
      const before = new Map(sim.nodes.map((n) => [n.name, hostLeaves(n)]));
      const t0 = Date.now();
      try {
        const req = await h.ops.request("renew", sim.name, [], { userId: REQUESTER });
        expect(req.ok, req.message).toBe(true);
        const id = req.operationId!;
        expect((await h.click(id, "approve", APPROVERS[0])).ok).toBe(true);
        await h.waitFor(id, atGate(1));
        expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
        await h.waitFor(id, atGate(2), 120_000);
        expect((await h.click(id, "approve", APPROVERS[0])).ok).toBe(true);
        const op = await h.waitFor(id, finished, 120_000);
        const crashed = existsSync(markFile)
          ? readFileSync(markFile, "utf8").split("\n").filter(Boolean)
          : [];
        expect(crashed, worker.errors()).toEqual([point]);
        expect(worker.deaths).toBe(1);
        expect(op.status, JSON.stringify(op.failure)).toBe("completed");

        const log = sim.commandLog().filter((e) => e.t >= t0);
        for (const s of servers)
          expect(find(log, s, SERVER_RESTART).map(cmd), `restart on ${s}`).toHaveLength(1);
        expect(find(log, "agent-1", AGENT_RESTART), "restart on agent-1").toHaveLength(1);
        expect(find(log, undefined, ROTATE)).toEqual([]);
        const order = find(log, undefined, MUTATING)
          .filter((e) => servers.includes(e.node) && SERVER_RESTART.test(cmd(e)))
          .map((e) => e.node);
        expect(order).toEqual(servers);
        for (const [n, rel] of Object.entries(due)) {
          const node = sim.nodes.find((x) => x.name === n)!;
          expect(hostLeaves(node).get(rel)!.serial, `${n} ${rel}`).not.toBe(before.get(n)!.get(rel)!.serial);
        }
        const audit = await h.ledger.audit(id);
        const decisions = audit.filter((e) => e.kind === "decision");
        const started = audit.filter((e) => e.kind === "phase" && /started/.test(e.text));
        expect(decisions).toHaveLength(3);
        expect(started).toHaveLength(3);
        started.forEach((s, i) =>
          expect(Date.parse(s.at)).toBeGreaterThanOrEqual(Date.parse(decisions[i]!.at)),
        );
      } finally {
        await worker.stop();
        await h.close();
      }
    });
});
