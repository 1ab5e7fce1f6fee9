import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { startFakeRancher, type FakeRancher } from "../support/fake-rancher.js";
import {
  APPROVERS,
  atGate,
  createHarness,
  finished,
  REQUESTER,
  testInventoryYaml,
} from "./support/harness.js";
import { SupervisedWorker } from "./support/worker-process.js";

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
  let dir: string;

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
    dir = mkdtempSync(join(tmpdir(), "rrot-crash-"));
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
    const inventoryPath = join(dir, "rke2-chatops.yaml");
    writeFileSync(inventoryPath, testInventoryYaml(sim, { cluster: { rancher } }));
    const prefix = `rcrash-${Math.random().toString(36).slice(2, 8)}`;
    const chatFile = join(dir, `${prefix}.chat.jsonl`);
    const markFile = join(dir, `${prefix}.crashed`);
    const points = [
      "rancher-snapshot/rancher-snapshot:cp-1:after-act",
      "rancher-rotate/rancher-rotate:cp-1:after-act",
    ];
    const h = await createHarness(sim, inject("redisUrl"), {
      workers: false,
      prefix,
      chatFile,
      cluster: { rancher },
    });
    const worker = new SupervisedWorker({
      REDIS_URL: inject("redisUrl"),
      OPS_PREFIX: prefix,
      INVENTORY_PATH: inventoryPath,
      CHAT_FILE: chatFile,
      CRASH_AT: points.join(","),
      CRASH_MARK: markFile,
    });
    await worker.start();
    try {
      const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
      expect(req.ok, req.message).toBe(true);
      const id = req.operationId!;
      expect((await h.click(id, "approve", APPROVERS[0])).ok).toBe(true);
      await h.waitFor(id, atGate(1));
      expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
      await h.waitFor(id, atGate(2));
      expect((await h.click(id, "approve", APPROVERS[0])).ok).toBe(true);
      const op = await h.waitFor(id, finished, 120_000);
      expect(op.status, JSON.stringify(op.failure) + worker.errors()).toBe("completed");
      expect(existsSync(markFile) ? readFileSync(markFile, "utf8").split("\n").filter(Boolean) : []).toEqual(
        points,
      );
      expect(worker.deaths).toBeGreaterThanOrEqual(2);
      expect(fake.bumps).toEqual({ etcdSnapshotCreate: 1, rotateCertificates: 1 });
      expect(fake.object().spec.rkeConfig).toEqual({
        etcdSnapshotCreate: { generation: 5 },
        rotateCertificates: { generation: 1 },
      });
      const audit = (await h.ledger.audit(id)).map((e) => e.text).join("\n");
      expect(audit).toMatch(/certificate rotation through Rancher: .*\(already done\)/);
    } finally {
      await worker.stop();
      await h.close();
    }
  });
});
