import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { startFakeRancher, type FakeRancher } from "../support/fake-rancher.js";
import { commandsSince, MUTATING } from "./support/command-log.js";
import { APPROVERS, atGate, createHarness, finished, REQUESTER, type Harness } from "./support/harness.js";
import { hostLeaves } from "./support/host-certs.js";
import { buttonsOf, textOf } from "./support/recording-chat.js";

const avail = namespacesAvailable();
const TOKEN = "token-rrot:rancher-secret-value";
const TOKEN_ENV = "RKE2_CHATOPS_TEST_RANCHER_TOKEN";

/**
 * `/rke2 rotate` on a Rancher-provisioned cluster: the bot asks Rancher (a local fake of its API)
 * for the snapshot and the rotation, and only reads the rig's nodes over SSH. The fake "rotates"
 * the rig's files when it gets the request, as Rancher's agents would on the nodes.
 */
describe.skipIf(!avail.ok)("rotation through Rancher (fake Rancher API, real sshd, real Redis)", () => {
  let sim: SimCluster;
  let fake: FakeRancher;
  let h: Harness | undefined;

  beforeAll(async () => {
    sim = await startSimCluster({ name: "rrot", nodes: standardNodes(1, 1) });
    fake = await startFakeRancher({ token: TOKEN, name: "rrot-prod" });
    fake.knobs.onRotate = async () => {
      for (const c of [
        "systemctl stop rke2-server",
        "rke2 certificate rotate",
        "systemctl start rke2-server",
      ])
        expect((await sim.ssh("cp-1", c)).code, c).toBe(0);
      expect((await sim.ssh("agent-1", "systemctl restart rke2-agent")).code).toBe(0);
    };
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
    process.env[TOKEN_ENV] = TOKEN;
  });
  afterAll(async () => {
    await fake?.close();
    await sim?.stop();
  });

  const harness = (rancher: Record<string, unknown> = {}) =>
    createHarness(sim, inject("redisUrl"), {
      cluster: {
        rancher: {
          url: fake.url,
          tokenEnv: TOKEN_ENV,
          name: "rrot-prod",
          caFile: fake.caFile,
          waitTimeoutSeconds: 30,
          ...rancher,
        },
      },
    });

  it(
    "snapshot, rotation and SSH verification, each approved; a concurrent edit is re-read, never overwritten",
    { timeout: 120_000 },
    async () => {
      process.env[TOKEN_ENV] = TOKEN;
      h = await harness();
      const before = new Map(sim.nodes.map((n) => [n.name, hostLeaves(n)]));
      const t0 = Date.now();
      const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
      expect(req.ok, req.message).toBe(true);
      const id = req.operationId!;
      expect(id).toMatch(/^rrot-/);
      let op = await h.op(id);
      expect(op).toMatchObject({ kind: "rancher-rotate", status: "awaiting-approval", phase: 0 });
      const plan = textOf(h.chat.latest(op.message!.ts));
      expect(plan).toContain("through Rancher (fleet-default/rrot-prod at https://127.0.0.1");
      expect(plan).toContain("etcdSnapshotCreate.generation 4 → 5");
      expect(fake.requests.filter((r) => r.method === "PUT")).toEqual([]); // nothing asked before approval

      expect((await h.click(id, "approve")).ok).toBe(true);
      op = await h.waitFor(id, atGate(1));
      expect(fake.bumps).toEqual({ etcdSnapshotCreate: 1, rotateCertificates: 0 });
      expect(fake.object().spec.rkeConfig.etcdSnapshotCreate).toEqual({ generation: 5 });
      // The ledger moves first, then the phase report is posted.
      await h.threadWith(
        op.message!.ts,
        "Rancher reports the etcd snapshot (generation 5) done, cluster Ready",
      );

      // Someone saves the cluster in Rancher's UI between our read and our write.
      fake.knobs.concurrentEdits = 1;
      const putsBefore = fake.requests.filter((r) => r.method === "PUT").length;
      expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
      op = await h.waitFor(id, atGate(2));
      expect(
        fake.requests
          .filter((r) => r.method === "PUT")
          .slice(putsBefore)
          .map((r) => r.status),
      ).toEqual([409, 200]);
      expect(fake.bumps.rotateCertificates).toBe(1);
      expect(fake.object().spec.rkeConfig.rotateCertificates).toEqual({ generation: 1 });
      expect(fake.object().spec.rkeConfig.etcdSnapshotCreate).toEqual({ generation: 5 }); // kept, not reverted
      await h.threadWith(op.message!.ts, "(asked after 1 concurrent edit(s) re-read)");

      expect((await h.click(id, "approve")).ok).toBe(true);
      op = await h.waitFor(id, finished);
      expect(op.status, JSON.stringify(op.failure)).toBe("completed");
      for (const n of sim.nodes)
        for (const [path, b] of before.get(n.name)!)
          expect(hostLeaves(n).get(path)?.serial, `${n.name} ${path}`).not.toBe(b.serial);

      const thread = await h.threadWith(op.message!.ts, "earliest expiry after");
      const all = thread.map(textOf).join("\n");
      expect(all).toContain("Rotated by Rancher");
      const table = all.replaceAll("\\n", "\n");
      for (const n of ["cp-1", "agent-1"]) expect(table).toMatch(new RegExp(`^${n} [^\\n]* renewed\\b`, "m"));
      expect(all).not.toContain("rancher-secret-value");
      // Over SSH the bot only read: every mutating command is the one "Rancher" ran.
      expect(commandsSince(sim.commandLog(), t0, MUTATING)).toEqual([
        "systemctl stop rke2-server",
        "rke2 certificate rotate",
        "systemctl start rke2-server",
        "systemctl restart rke2-agent",
      ]);
      expect(buttonsOf(h.chat.latest(op.message!.ts)).size).toBe(0);
    },
  );

  it(
    "refuses while Rancher is already updating the cluster, and asks nothing",
    { timeout: 60_000 },
    async () => {
      h = await harness();
      fake.setConditions(
        [
          { type: "Ready", status: "True" },
          { type: "Updated", status: "Unknown", message: "configuring worker node(s) custom-abc" },
        ],
        false,
      );
      const puts = fake.requests.filter((r) => r.method === "PUT").length;
      try {
        const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
        expect(req.ok).toBe(false);
        const op = await h.op(req.operationId!);
        expect(op.status).toBe("preflight-failed");
        expect(op.preflightProblems).toEqual([
          expect.stringMatching(
            /Rancher is already updating fleet-default\/rrot-prod .*configuring worker node\(s\) custom-abc/,
          ),
        ]);
        expect(fake.requests.filter((r) => r.method === "PUT").length).toBe(puts);
      } finally {
        fake.setConditions([
          { type: "Ready", status: "True" },
          { type: "Provisioned", status: "True" },
          { type: "Updated", status: "True" },
        ]);
      }
    },
  );

  it("reports a wrong token by its variable, never the token", { timeout: 60_000 }, async () => {
    process.env[TOKEN_ENV] = "token-wrong:not-the-secret";
    h = await harness();
    const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
    expect(req.ok).toBe(false);
    const op = await h.op(req.operationId!);
    expect(op.preflightProblems).toEqual([
      expect.stringContaining(`Rancher rejected the token from $${TOKEN_ENV} (HTTP 401)`),
    ]);
    expect(JSON.stringify(op)).not.toContain("not-the-secret");
    expect(textOf(h.chat.latest(op.message!.ts))).not.toContain("not-the-secret");
  });

  it("halts with Rancher's condition message when the rotation fails", { timeout: 90_000 }, async () => {
    process.env[TOKEN_ENV] = TOKEN;
    h = await harness({ rotateServices: ["etcd"] });
    const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
    expect(req.ok, req.message).toBe(true);
    const id = req.operationId!;
    expect((await h.click(id, "approve")).ok).toBe(true);
    await h.waitFor(id, atGate(1));
    fake.knobs.failWith = { rotateCertificates: "rotating certificates on cp-1: plan failed: exit status 1" };
    const rotations = fake.bumps.rotateCertificates;
    const target = (fake.object().spec.rkeConfig.rotateCertificates?.generation ?? 0) + 1;
    expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
    const op = await h.waitFor(id, (o) => o.status === "halted");
    expect(op.failure).toMatchObject({ node: "cp-1", step: "rancher-rotate" });
    expect(op.failure!.message).toContain(
      `Rancher reports the certificate rotation (generation ${target}) failed: Ready: rotating certificates on cp-1: plan failed: exit status 1`,
    );
    expect(fake.bumps.rotateCertificates).toBe(rotations + 1);
    expect(fake.lastServices).toEqual(["etcd"]);
    // Retry/Abort offered: click() waits for the button of the failure gate.
    expect((await h.click(id, "abort")).ok).toBe(true);
    await h.waitFor(id, finished);
  });
});
