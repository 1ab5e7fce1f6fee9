import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { startFakeRancher, type FakeRancher } from "../support/fake-rancher.js";
import { crashAndResume } from "./support/crash-harness.js";
import { createHarness, testInventoryYaml } from "./support/harness.js";

const avail = namespacesAvailable();
const TOKEN = "token-rcrash:secret";
const TOKEN_ENV = "RKE2_CHATOPS_TEST_RANCHER_CRASH_TOKEN";

/**
 * The worker (a child process) is SIGKILLed right after each PUT to Rancher, before the ledger
 * records the step done; the restarted worker re-checks Rancher's object and must not ask again.
 */
describe.skipIf(!avail.ok)("rotation through Rancher: crash after each request, resume", () => {
  let sim: SimCluster;
  let fake: FakeRancher;

  beforeAll(async () => {
    process.env[TOKEN_ENV] = TOKEN; // inherited by the worker process
    sim = await startSimCluster({ name: "rrotcrash", nodes: standardNodes(1, 1) });
    fake = await startFakeRancher({ token: TOKEN, name: "crashy" });
    fake.knobs.onRotate = async () => {
      for (const c of [
        "systemctl stop rke2-server",
        "rke2 certificate rotate",
        "systemctl start rke2-server",
      ])
        await sim.ssh("cp-1", c);
      await sim.ssh("agent-1", "systemctl restart rke2-agent");
    };
  });
  afterAll(async () => {
    await fake?.close();
    await sim?.stop();
  });

  it("bumps each generation exactly once and completes", { timeout: 180_000 }, async () => {
    const rancher = {
      url: fake.url,
      tokenEnv: TOKEN_ENV,
      name: "crashy",
      caFile: fake.caFile,
      waitTimeoutSeconds: 30,
    };
    const points = [
      "rancher-snapshot/rancher-snapshot:cp-1:after-act",
      "rancher-rotate/rancher-rotate:cp-1:after-act",
    ];
    const r = await crashAndResume({
      name: "rrot-crash",
      sim,
      kind: "rotate",
      inventoryYaml: testInventoryYaml(sim, { cluster: { rancher } }),
      crashAt: points,
      harness: (url, opts) => createHarness(sim, url, { ...opts, cluster: { rancher } }),
    });
    expect(r.op.status, JSON.stringify(r.op.failure) + r.errors).toBe("completed");
    expect(r.crashed).toEqual(points);
    expect(r.deaths).toBeGreaterThanOrEqual(2);
    expect(fake.bumps).toEqual({ etcdSnapshotCreate: 1, rotateCertificates: 1 });
    expect(fake.object().spec.rkeConfig).toEqual({
      etcdSnapshotCreate: { generation: 5 },
      rotateCertificates: { generation: 1 },
    });
    expect(r.audit.map((e) => e.text).join("\n")).toMatch(
      /certificate rotation through Rancher: .*\(already done\)/,
    );
  });
});
