import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { checkMessageLimits } from "../../src/slack/blocks/limits.js";
import {
  AGENT_RESTART,
  cmd,
  commandsSince,
  find,
  MUTATING,
  one,
  READYZ_OK,
  ROTATE,
  SNAPSHOT,
  START,
  STOP,
} from "./support/command-log.js";
import { approveToEnd, mainMessage, requestOperation, threadText } from "./support/drive.js";
import { APPROVERS, createHarness, REQUESTER, type Harness } from "./support/harness.js";
import { hostLeaves } from "./support/host-certs.js";
import { buttonsOf, textOf } from "./support/recording-chat.js";

const avail = namespacesAvailable();

describe.skipIf(!avail.ok)("rotation end to end on 3 servers + 2 agents (real sshd, real Redis)", () => {
  let sim: SimCluster;
  let h: Harness;
  const servers = ["cp-1", "cp-2", "cp-3"];
  const agents = ["agent-1", "agent-2"];

  beforeAll(async () => {
    const nodes = standardNodes(3, 2);
    // Clock skew left agent-2 a future-dated serving certificate that expires later than any
    // correct replacement; agent-1's kubelet client certificate has already expired.
    nodes[4]!.certs = {
      overrides: { "agent/serving-kubelet.crt": { notBeforeDays: 30, notAfterDays: 400 } },
    };
    nodes[3]!.certs = { overrides: { "agent/client-kubelet.crt": { notAfterDays: -5 } } };
    sim = await startSimCluster({ name: "rotflow", nodes });
    h = await createHarness(sim, inject("redisUrl"));
  });
  afterAll(async () => {
    await h?.close();
    await sim?.stop();
  });

  it(
    "runs preflight, three approved phases, and renews every leaf exactly once in a safe order (a future-dated and an expired agent leaf included)",
    { timeout: 180_000 },
    async () => {
      const before = new Map(sim.nodes.map((n) => [n.name, hostLeaves(n)]));
      const t0 = Date.now();
      const planned = await requestOperation(h, "rotate", sim.name);
      const id = planned.id;
      const plan = mainMessage(h, planned);
      expect(checkMessageLimits(plan)).toEqual([]);
      expect(textOf(plan)).toContain(`<@${REQUESTER}>`);
      expect(textOf(plan)).toContain("cp-1 → cp-2 → cp-3");
      expect(textOf(plan)).toMatch(/Worst expiries/);
      expect([...buttonsOf(plan).keys()]).toEqual(["approve", "reject"]);
      expect(commandsSince(sim.commandLog(), t0, MUTATING)).toEqual([]); // nothing changes before approval 1

      const gatesSeen: number[] = [];
      const op = await approveToEnd(h, id, {
        atGate: (at, phase) => {
          gatesSeen.push(phase);
          if (phase === 1) {
            for (const s of servers) {
              const n = sim.nodes.find((x) => x.name === s)!;
              const tar = join(n.dataDir, `server/tls-backup-${id}.tar.gz`);
              expect(statSync(tar).size).toBeGreaterThan(0);
              expect(existsSync(join(n.dataDir, "server/tls", `tls-backup-${id}.tar.gz`))).toBe(false);
            }
            const backupReport = threadText(h, at);
            expect(backupReport).toMatch(new RegExp(`rke2-chatops-${id}-cp-1-\\d+`));
            expect(backupReport).toContain(`tls-backup-${id}.tar.gz`);
          }
          if (phase === 2) {
            const rollReport = threadText(h, at);
            expect(rollReport).toContain("cp /etc/rancher/rke2/rke2.yaml ~/.kube/config");
            expect(rollReport).toMatch(/tls-\d+/);
          }
        },
      });
      expect(gatesSeen).toEqual([0, 1, 2]);
      expect(op.status).toBe("completed");

      // Every leaf renewed: new serial, valid now, expiring beyond the 120-day window.
      const doneAt = Date.now();
      for (const n of sim.nodes) {
        const after = hostLeaves(n);
        for (const [path, b] of before.get(n.name)!) {
          const a = after.get(path);
          expect(a, `${n.name} ${path}`).toBeDefined();
          expect(a!.serial, `${n.name} ${path}`).not.toBe(b.serial);
          expect(a!.notBefore, `${n.name} ${path}`).toBeLessThanOrEqual(doneAt);
          expect(a!.notAfter, `${n.name} ${path}`).toBeGreaterThan(doneAt + 120 * 86_400_000);
        }
      }
      const skewed = "agent/serving-kubelet.crt";
      expect(before.get("agent-2")!.get(skewed)!.notBefore).toBeGreaterThan(t0);
      expect(hostLeaves(sim.nodes[4]!).get(skewed)!.notAfter).toBeLessThan(
        before.get("agent-2")!.get(skewed)!.notAfter,
      );
      expect(before.get("agent-1")!.get("agent/client-kubelet.crt")!.notAfter).toBeLessThan(t0);

      // Order, from the rig's command log.
      const log = sim.commandLog().filter((e) => e.t >= t0);
      const firstRotate = Math.min(...find(log, undefined, ROTATE).map((e) => e.t));
      for (const s of servers) expect(one(log, s, SNAPSHOT).tEnd!).toBeLessThan(firstRotate);
      let prevReadyAt = 0;
      for (const s of servers) {
        const stop = one(log, s, STOP);
        const rot = one(log, s, ROTATE);
        const start = one(log, s, START);
        expect(stop.t).toBeGreaterThan(prevReadyAt); // the previous server was Ready before this one stopped
        expect(rot.t).toBeGreaterThan(stop.tEnd!);
        expect(start.t).toBeGreaterThan(rot.tEnd!);
        const ready = find(log, s, READYZ_OK).filter((e) => e.t > start.tEnd! && e.exitCode === 0);
        expect(ready.length, `readyz on ${s} after its start`).toBeGreaterThan(0);
        prevReadyAt = ready[0]!.tEnd!;
        // never two servers down: no other server is stopped while this one is
        const others = find(log, undefined, STOP).filter(
          (e) => e.node !== s && e.t > stop.t && e.t < start.tEnd!,
        );
        expect(others.map(cmd)).toEqual([]);
      }
      for (const a of agents) expect(one(log, a, AGENT_RESTART).t).toBeGreaterThan(prevReadyAt);
      expect(
        find(log, undefined, MUTATING).filter(
          (e) => e.node.startsWith("agent") && !AGENT_RESTART.test(cmd(e)),
        ),
      ).toEqual([]);

      // Completion: before/after table, kubeconfig reminder, never key material.
      const thread = await h.threadWith(op.message!.ts, "earliest expiry after");
      const all = thread.map(textOf).join("\n");
      expect(all).toContain("earliest expiry after");
      expect(all).not.toMatch(/not renewed|verify failed/);
      const completion = thread.find((m) => textOf(m).includes("earliest expiry after"))!;
      expect(textOf(completion)).toContain(`${id} complete`);
      const table = textOf(completion).replaceAll("\\n", "\n");
      for (const n of [...servers, ...agents])
        expect(table, `table row of ${n}`).toMatch(new RegExp(`^${n} [^\\n]* renewed\\b`, "m"));
      expect(all).not.toMatch(/PRIVATE KEY|client-key-data/);
      for (const m of [...thread, h.chat.latest(op.message!.ts)!]) expect(checkMessageLimits(m)).toEqual([]);
      expect(buttonsOf(h.chat.latest(op.message!.ts)).size).toBe(0);
      const audit = await h.ledger.audit(id);
      expect(audit.filter((e) => e.kind === "decision").map((e) => e.by)).toEqual([
        APPROVERS[0],
        APPROVERS[1],
        APPROVERS[0],
      ]);
      expect((await h.ops.status(sim.name)).message).toMatch(new RegExp(`${id}.*completed`));
      expect(await h.ledger.lockHolder(sim.name)).toBeUndefined();
    },
  );
});
