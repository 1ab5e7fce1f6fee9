import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { parseInventory } from "../../src/config/load-inventory.js";
import { parseArgs } from "../../src/operations/engine/parse-args.js";
import { rotationDefinition } from "../../src/operations/rotation/rotation-definition.js";
import { parseCommand } from "../../src/slack/commands/parse-command.js";
import type { SimCluster } from "../rig/sim-cluster.js";
import { startFakeDownstream, type FakeDownstream } from "../support/fake-downstream.js";
import { startFakeRancher, type FakeRancher } from "../support/fake-rancher.js";
import { APPROVERS, atGate, createHarness, finished, REQUESTER, type Harness } from "./support/harness.js";
import { textOf } from "./support/recording-chat.js";

const TOKEN = "token-rapi:rancher-api-secret";
const TOKEN_ENV = "RKE2_CHATOPS_TEST_RANCHER_API_TOKEN";
const NODES = ["cp-1", "agent-1"];

/**
 * `/rke2 rotate` on a Rancher cluster whose inventory lists no nodes: no SSH at all. Phase 3 reads
 * the downstream cluster through Rancher's proxy (fake) and the serving certificates on the wire
 * (real TLS servers on loopback, renewed by the fake when the rotation completes).
 */
describe("rotation through Rancher, verified through the downstream API (no SSH nodes)", () => {
  let fake: FakeRancher;
  let down: FakeDownstream;
  let h: Harness | undefined;

  beforeAll(async () => {
    process.env[TOKEN_ENV] = TOKEN;
    down = await startFakeDownstream({ nodes: NODES });
    fake = await startFakeRancher({ token: TOKEN, name: "edge-prod", downstream: down });
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
    down.keepOld.clear();
    down.unreachable.clear();
    down.notReady.clear();
  });
  afterAll(async () => {
    await fake?.close();
    await down?.close();
  });

  const harness = (readyTimeoutSeconds = 20) => {
    const yaml = `
approvals: { approvers: [${APPROVERS.join(", ")}], requireDistinctApprover: true, expireAfterMinutes: 30 }
operations: { agentRenewalGraceSeconds: 1, nodeReadyTimeoutSeconds: ${readyTimeoutSeconds}, pollIntervalSeconds: 0.2 }
clusters:
  - name: edge
    channel: C0EDGEOPS
    rancher:
      url: ${fake.url}
      tokenEnv: ${TOKEN_ENV}
      name: edge-prod
      caFile: ${fake.caFile}
      waitTimeoutSeconds: 30
`;
    const inventory = parseInventory(yaml, "/tmp/rke2-chatops-rancher-api.yaml");
    // No sim cluster: the inventory lists no node to reach over SSH.
    return createHarness(undefined as unknown as SimCluster, inject("redisUrl"), { inventory });
  };

  it(
    "snapshot, rotation, then every endpoint's certificate renewed on the wire, each phase approved",
    { timeout: 120_000 },
    async () => {
      h = await harness();
      const before = down.serials();
      const req = await h.ops.request("rotate", "edge", [], { userId: REQUESTER });
      expect(req.ok, req.message).toBe(true);
      const id = req.operationId!;
      let op = await h.op(id);
      expect(op).toMatchObject({ kind: "rancher-rotate", status: "awaiting-approval" });
      expect(op.phases.map((p) => p.items.map((i) => i.node))).toEqual([
        ["cluster-api"],
        ["cluster-api"],
        ["cluster-api"],
      ]);
      const plan = textOf(h.chat.latest(op.message!.ts));
      expect(plan).toContain("Verification through Rancher's API");
      expect(plan).toContain("downstream cluster c-m-abc123");
      for (const label of Object.keys(before)) expect(plan).toContain(label);
      expect(plan).toContain("rotate all services");

      expect((await h.click(id, "approve")).ok).toBe(true);
      op = await h.waitFor(id, atGate(1));
      expect(down.serials()).toEqual(before); // a snapshot renews nothing
      expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
      op = await h.waitFor(id, atGate(2));
      expect(fake.lastServices).toBeUndefined();
      const after = down.serials();
      for (const label of Object.keys(before)) expect(after[label], label).not.toBe(before[label]);
      // The serials recorded before the request are in the ledger (what phase 3 compares with).
      const recorded = (await h.ledger.nodes(id)).get("cluster-api")!.facts.leavesBefore as {
        path: string;
        serial: string;
      }[];
      expect(Object.fromEntries(recorded.map((l) => [l.path, l.serial]))).toEqual(before);

      expect((await h.click(id, "approve")).ok).toBe(true);
      op = await h.waitFor(id, finished);
      expect(op.status, JSON.stringify(op.failure)).toBe("completed");
      const thread = (await h.threadWith(op.message!.ts, "serving certificates were read on the wire")).map(
        textOf,
      );
      const all = thread.join("\n");
      const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      for (const [label, serial] of Object.entries(before)) {
        expect(all).toContain(`${label}: serial ${serial} → ${after[label]}, expires `);
        // The completion table: one row per endpoint, old and new serial side by side.
        expect(all).toMatch(new RegExp(`${esc(label)} +${serial} +${after[label]} +\\d{4}-\\d\\d-\\d\\d`));
      }
      expect(all).toContain("2 node(s) Ready; 3 serving certificate(s) renewed");
      expect(all).not.toContain("rancher-api-secret");
    },
  );

  it(
    "services=etcd,kubelet goes into the PUT; a kubelet that keeps its old certificate halts phase 3 naming it; Retry re-checks",
    { timeout: 120_000 },
    async () => {
      h = await harness(2);
      const req = await h.ops.request("rotate", "edge", ["services=etcd,kubelet"], { userId: REQUESTER });
      expect(req.ok, req.message).toBe(true);
      const id = req.operationId!;
      let op = await h.op(id);
      expect(op.params.services).toEqual(["etcd", "kubelet"]);
      const plan = textOf(h.chat.latest(op.message!.ts));
      expect(plan).toContain("rotate only etcd, kubelet");
      expect(plan).toContain("services etcd, kubelet");

      down.keepOld.add("agent-1");
      const before = down.serials();
      const stale = Object.keys(before).find((l) => l.startsWith("kubelet on agent-1"))!;
      const api = Object.keys(before).find((l) => l.startsWith("kube-apiserver"))!;
      expect((await h.click(id, "approve")).ok).toBe(true);
      await h.waitFor(id, atGate(1));
      expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
      await h.waitFor(id, atGate(2));
      expect(fake.lastServices).toEqual(["etcd", "kubelet"]);
      expect(fake.object().spec.rkeConfig.rotateCertificates?.services).toEqual(["etcd", "kubelet"]);
      expect(down.serials()[api]).toBe(before[api]); // not among the services: Rancher left it

      expect((await h.click(id, "approve")).ok).toBe(true);
      op = await h.waitFor(id, (o) => o.status === "halted");
      expect(op.failure).toMatchObject({ node: "cluster-api", step: "verify-api" });
      expect(op.failure!.message).toContain(
        `not renewed, checked through Rancher's API of c-m-abc123: ${stale}: unchanged (serial ${before[stale]}, as before the rotation)`,
      );
      expect(op.failure!.message).not.toContain("cp-1");
      expect(op.failure!.message).not.toContain("kube-apiserver");

      // The kubelet gets its new certificate (its node restarted late): Retry checks again and passes.
      down.keepOld.clear();
      await down.renew(["kubelet"]);
      expect((await h.click(id, "retry")).ok).toBe(true);
      op = await h.waitFor(id, finished);
      expect(op.status, JSON.stringify(op.failure)).toBe("completed");
      const all = (await h.threadWith(op.message!.ts, "serving certificates were read on the wire"))
        .map(textOf)
        .join("\n");
      expect(all).toContain(`${api}: not judged (outside the services asked for)`);
      expect(all).toContain(`${stale}: serial ${before[stale]} → ${down.serials()[stale]}`);
    },
  );

  it("refuses an unknown service with the list of valid ones, in Slack and at the request", async () => {
    h = await harness();
    const puts = fake.requests.filter((r) => r.method === "PUT").length;
    const req = await h.ops.request("rotate", "edge", ["services=etcd,kubelets"], { userId: REQUESTER });
    expect(req.ok).toBe(false);
    expect(req.message).toContain("unknown service kubelets; valid services: admin, api-server, auth-proxy");
    const cmd = parseCommand("rotate edge services=bogus");
    expect(cmd).toMatchObject({ kind: "invalid" });
    expect((cmd as { message: string }).message).toContain(
      "`services=bogus`: unknown service bogus; valid services: admin, api-server, auth-proxy, cloud-controller, controller-manager, etcd, kube-proxy, kubelet, rke2-controller, rke2-server, scheduler, supervisor",
    );
    expect(parseCommand("rotate edge services=etcd,kubelet")).toMatchObject({
      kind: "operation",
      args: ["services=etcd,kubelet"],
    });
    expect(fake.requests.filter((r) => r.method === "PUT").length).toBe(puts);
    // Operations that need SSH are refused on a cluster listing no nodes, before anything runs.
    for (const kind of ["renew", "upgrade"] as const) {
      const other = await h.ops.request(kind, "edge", kind === "upgrade" ? ["stable"] : [], {
        userId: REQUESTER,
      });
      expect(other).toMatchObject({ ok: false });
      expect(other.message).toContain(
        `edge lists no nodes in the inventory, and \`/rke2 ${kind}\` works on them over SSH`,
      );
    }
    // A cluster without rancher: rotates over SSH, every service; services= is refused, not ignored.
    expect(parseArgs(rotationDefinition, ["services=etcd"])).toEqual({
      ok: false,
      message:
        "services= limits a rotation through Rancher (a cluster with a rancher: block); this cluster is rotated over SSH, all services",
    });
  });

  it(
    "an unreachable kubelet: the preflight refuses naming it; after the rotation it halts phase 3 naming it",
    { timeout: 120_000 },
    async () => {
      h = await harness(1);
      const kubelet = Object.keys(down.serials()).find((l) => l.startsWith("kubelet on agent-1"))!;
      down.unreachable.add("agent-1");
      down.notReady.add("agent-1");
      const refused = await h.ops.request("rotate", "edge", [], { userId: REQUESTER });
      expect(refused.ok).toBe(false);
      const problems = (await h.op(refused.operationId!)).preflightProblems!;
      expect(problems).toContain("downstream node agent-1 is not Ready");
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`^${kubelet.replace(/[()]/g, "\\$&")}: unreachable \\(`)),
        ]),
      );
      expect(problems.join("\n")).not.toContain("cp-1");

      down.unreachable.clear();
      down.notReady.clear();
      const req = await h.ops.request("rotate", "edge", [], { userId: REQUESTER });
      expect(req.ok, req.message).toBe(true);
      const id = req.operationId!;
      expect((await h.click(id, "approve")).ok).toBe(true);
      await h.waitFor(id, atGate(1));
      expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
      await h.waitFor(id, atGate(2));
      down.unreachable.add("agent-1"); // its node went away during the rotation
      expect((await h.click(id, "approve")).ok).toBe(true);
      const op = await h.waitFor(id, (o) => o.status === "halted");
      expect(op.failure).toMatchObject({ node: "cluster-api", step: "verify-api" });
      expect(op.failure!.message).toContain(`${kubelet}: unreachable (`);
      expect(op.failure!.message).not.toContain("cp-1");
      expect((await h.click(id, "abort")).ok).toBe(true);
      await h.waitFor(id, finished);
    },
  );
});
