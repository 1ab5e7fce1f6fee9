import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  namespacesAvailable,
  standardNodes,
  startSimCluster,
  type SimCluster,
  type SimNodeOptions,
} from "../rig/sim-cluster.js";
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
  START,
  STOP,
} from "./support/command-log.js";
import { approveToEnd, mainMessage, requestOperation, runOperation, threadText } from "./support/drive.js";
import { createHarness, REQUESTER, type Harness } from "./support/harness.js";
import { hostLeaves } from "./support/host-certs.js";
import { buttonsOf, textOf } from "./support/recording-chat.js";

const avail = namespacesAvailable();
const ADMIN_EXPIRED = { "server/tls/client-admin.crt": { notAfterDays: -5 } };
const KUBECTL_NODES = "kubectl --kubeconfig /etc/rancher/rke2/rke2.yaml get nodes";

/** Every server's client-admin.crt (and so rke2.yaml) expired 5 days ago. */
function darkNodes(servers: number, agents: number): SimNodeOptions[] {
  return standardNodes(servers, agents).map((n) =>
    n.role === "server" ? { ...n, certs: { overrides: { ...ADMIN_EXPIRED } } } : n,
  );
}

describe.skipIf(!avail.ok)(
  `break-glass rotation of a dark API (real sshd, real Redis)${avail.ok ? "" : ` — ${avail.reason}`}`,
  () => {
    let sim: SimCluster;
    let h: Harness;
    const servers = ["cp-1", "cp-2", "cp-3"];
    const agents = ["agent-1", "agent-2"];

    beforeAll(async () => {
      const nodes = darkNodes(3, 2);
      // Plus one expired controller certificate.
      nodes[1]!.certs = {
        overrides: { ...ADMIN_EXPIRED, "server/tls/client-controller.crt": { notAfterDays: -3 } },
      };
      sim = await startSimCluster({ name: "dark", nodes });
      h = await createHarness(sim, inject("redisUrl"));
    });
    afterAll(async () => {
      await h?.close();
      await sim?.stop();
    });

    it("the rig's dark API: kubectl refused on every server", async () => {
      for (const s of servers) {
        const r = await sim.ssh(s, KUBECTL_NODES);
        expect(r.code, s).toBe(1);
        expect(r.stderr).toContain("error: You must be logged in to the server");
      }
    });

    it("a dark API whose etcd is unhealthy (read on the node) is still refused, with the reason", async () => {
      sim.setKnob("cp-2", "etcd-unhealthy", "1");
      try {
        const t0 = Date.now();
        const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
        expect(req.ok).toBe(false);
        expect(req.message).toContain("You must be logged in to the server");
        expect(req.message).toMatch(/cp-2: \/readyz failing on the node: etcd/);
        expect(commandsSince(sim.commandLog(), t0, MUTATING)).toEqual([]);
        expect(await h.ledger.lockHolder(sim.name)).toBeUndefined();
      } finally {
        sim.setKnob("cp-2", "etcd-unhealthy", null);
      }
    });

    it(
      "posts an emergency plan, then renews every leaf once, servers one at a time, agents after; kubectl works again",
      { timeout: 240_000 },
      async () => {
        const before = new Map(sim.nodes.map((n) => [n.name, hostLeaves(n)]));
        const t0 = Date.now();
        const planned = await requestOperation(h, "rotate", sim.name);
        const id = planned.id;
        expect(planned.params.emergency).toBe(true);
        const plan = mainMessage(h, planned);
        const text = textOf(plan);
        expect(checkMessageLimits(plan)).toEqual([]);
        expect(text).toContain("EMERGENCY rotation");
        expect(text).toContain("Kubernetes API unusable");
        expect(text).toContain("the admin certificate expired 5 days ago on every server");
        expect(text).toMatch(/client certificate client-controller\.crt expired 3 days ago on cp-2/);
        expect(text).toContain("Checks replaced");
        expect(text).toMatch(/pinned host key/);
        expect(text).toContain("systemctl is-active");
        expect(text).toMatch(/client-admin\.crt EXPIRED/); // rke2 certificate check, read on the node
        expect(text).toMatch(/etcd ok/);
        expect(text).toMatch(/tarball of server\/tls/);
        expect(text).toContain("cp-1 → cp-2 → cp-3");
        expect([...buttonsOf(plan).keys()]).toEqual(["approve", "reject"]);
        expect(commandsSince(sim.commandLog(), t0, MUTATING)).toEqual([]);

        // The snapshot can fail on a dark cluster: the tarball is the backup then, as the plan said.
        sim.setKnob("cp-1", "etcd-unhealthy", "1");
        const op = await approveToEnd(h, id, {
          atGate: (at, phase) => {
            if (phase !== 1) return;
            sim.setKnob("cp-1", "etcd-unhealthy", null);
            const backup = threadText(h, at);
            expect(backup).toMatch(
              /etcd snapshot: none \(etcd snapshot failed[^\n]*\); the tls tarball is the backup/,
            );
            expect(backup).toMatch(new RegExp(`rke2-chatops-${id}-cp-2-\\d+`));
            expect(backup).toContain(`tls-backup-${id}.tar.gz`);
          },
        });
        expect(op.status, JSON.stringify(op.failure)).toBe("completed");

        const doneAt = Date.now();
        for (const n of sim.nodes) {
          const after = hostLeaves(n);
          for (const [path, b] of before.get(n.name)!) {
            const a = after.get(path);
            expect(a!.serial, `${n.name} ${path}`).not.toBe(b.serial);
            expect(a!.notAfter, `${n.name} ${path}`).toBeGreaterThan(doneAt + 120 * 86_400_000);
          }
        }
        const log = sim.commandLog().filter((e) => e.t >= t0);
        let prevReadyAt = 0;
        for (const s of servers) {
          const stop = one(log, s, STOP);
          const rot = one(log, s, ROTATE);
          const start = one(log, s, START);
          expect(stop.t).toBeGreaterThan(prevReadyAt);
          expect(rot.t).toBeGreaterThan(stop.tEnd!);
          expect(start.t).toBeGreaterThan(rot.tEnd!);
          const ready = find(log, s, READYZ_OK).filter((e) => e.t > start.tEnd! && e.exitCode === 0);
          expect(ready.length, `readyz on ${s} after its start`).toBeGreaterThan(0);
          prevReadyAt = ready[0]!.tEnd!;
          const others = find(log, undefined, STOP).filter(
            (e) => e.node !== s && e.t > stop.t && e.t < start.tEnd!,
          );
          expect(others.map(cmd)).toEqual([]);
        }
        for (const a of agents) expect(one(log, a, AGENT_RESTART).t).toBeGreaterThan(prevReadyAt);

        for (const s of servers) {
          const r = await sim.ssh(s, KUBECTL_NODES);
          expect(r.code, `${s}: ${r.stderr}`).toBe(0);
          for (const n of [...servers, ...agents])
            expect(r.stdout).toMatch(new RegExp(`^${n}\\s+Ready\\s`, "m"));
        }
        expect(await h.ledger.lockHolder(sim.name)).toBeUndefined();
      },
    );

    it("a cluster whose API is down for another reason (etcd unhealthy) is refused, with the reason", async () => {
      sim.setKnob("cp-1", "etcd-unhealthy", "1");
      try {
        const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
        expect(req.ok).toBe(false);
        expect(req.message).toMatch(/cp-1: \/readyz failing: etcd/);
        expect(req.message).not.toContain("EMERGENCY");
      } finally {
        sim.setKnob("cp-1", "etcd-unhealthy", null);
      }
    });
  },
);

describe.skipIf(!avail.ok)(
  "break-glass rotation halts when the API stays dark after the first server",
  () => {
    let sim: SimCluster;
    let h: Harness;

    beforeAll(async () => {
      sim = await startSimCluster({ name: "darkhalt", nodes: darkNodes(2, 0) });
      h = await createHarness(sim, inject("redisUrl"));
    });
    afterAll(async () => {
      await h?.close();
      await sim?.stop();
    });

    it(
      "cp-1 restarts with certificates that are expired again: halt, say so, never touch cp-2",
      { timeout: 180_000 },
      async () => {
        sim.setKnob("cp-1", "cert-expiration-days", "-1");
        let t1 = Infinity;
        const { id, op: halted } = await runOperation(h, "rotate", sim.name, [], {
          atGate: (_at, phase) => void (phase === 1 && (t1 = Date.now())),
        });
        expect(halted.status).toBe("halted");
        expect(halted.failure).toMatchObject({ node: "cp-1", step: "wait-ready" });
        expect(halted.failure!.message).toMatch(/Kubernetes API is still unusable after cp-1 restarted/);
        expect(
          find(
            sim.commandLog().filter((e) => e.t >= t1),
            "cp-2",
            MUTATING,
          ).map(cmd),
        ).toEqual([]);
        expect(
          one(
            sim.commandLog().filter((e) => e.t >= t1),
            "cp-1",
            START,
          ).exitCode,
        ).toBe(0);
        expect(textOf(h.chat.latest(halted.message!.ts))).toMatch(/still unusable/);
        sim.setKnob("cp-1", "cert-expiration-days", null);
        expect((await h.click(id, "abort", REQUESTER)).ok).toBe(true);
      },
    );
  },
);
