import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeScanFailed, NodeScanOk } from "../../src/certs/cert-types.js";
import { scanInventory } from "../../src/scan/scan-inventory.js";
import { exitCodeFor, EXIT } from "../../src/cli/exit-codes.js";
import { loadInventory } from "../../src/config/load-inventory.js";
import type { Inventory } from "../../src/config/inventory.js";
import { readCertFilesCommand } from "../../src/rke2/read-cert-files.js";
import { systemClock } from "../../src/shared/clock.js";
import { createSsh2Executor } from "../../src/ssh/ssh2-executor.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";

const ns = namespacesAvailable();

describe.skipIf(!ns.ok)(
  "the certificate scan over real sshd: no private key leaves a node, a cut listing is incomplete",
  () => {
    let sim: SimCluster;
    let inv: Inventory;

    beforeAll(async () => {
      sim = await startSimCluster({ name: "keys", nodes: standardNodes(1, 1) });
      inv = loadInventory(sim.writeInventory());
    });
    afterAll(async () => sim?.stop());

    it("the bytes the scan transfers hold no client-key-data and no PRIVATE KEY", async () => {
      // What is on disk does carry keys (rke2.yaml embeds the admin key), so the filter is what keeps them there.
      const onDisk = await sim.ssh("cp-1", "cat /etc/rancher/rke2/rke2.yaml");
      expect(onDisk.stdout).toContain("client-key-data:");
      for (const node of ["cp-1", "agent-1"]) {
        const r = await sim.ssh(node, readCertFilesCommand().line, 30_000);
        expect(r.stdout).toContain("==> /var/lib/rancher/rke2/agent/kubelet.kubeconfig <==");
        expect(r.stdout).not.toContain("client-key-data");
        expect(r.stdout).not.toContain("PRIVATE KEY");
        const decoded = [...r.stdout.matchAll(/client-certificate-data: (\S+)/g)]
          .map((m) => Buffer.from(m[1]!, "base64").toString("utf8"))
          .join("\n");
        expect(decoded).not.toContain("PRIVATE KEY");
        if (node === "cp-1") expect(decoded).toContain("BEGIN CERTIFICATE");
      }
    });

    it("the embedded admin certificate is still reported", async () => {
      const [scan] = await scanInventory(inv, {
        executor: createSsh2Executor({ connectAttempts: 1 }),
        clock: systemClock,
      });
      const cp1 = scan!.nodes.find((n) => n.node === "cp-1") as NodeScanOk;
      expect(cp1.ok).toBe(true);
      const admin = cp1.certs.filter((c) => c.source.path === "/etc/rancher/rke2/rke2.yaml");
      expect(admin.map((c) => [c.source.field, c.source.index, c.facts?.subjectCN])).toEqual([
        ["clusters[0].cluster.certificate-authority-data", 0, expect.stringMatching(/^rke2-server-ca@/)],
        ["users[0].user.client-certificate-data", 0, "system:admin"],
        ["users[0].user.client-certificate-data", 1, expect.stringMatching(/^rke2-client-ca@/)],
      ]);
      expect(exitCodeFor([scan!])).toBeLessThan(EXIT.NODE_FAILED);
    });

    it("output past the SSH output cap makes the node 'not scanned completely' (exit 3), never a short list", async () => {
      const capped = createSsh2Executor({ connectAttempts: 1, maxOutputBytes: 2048 });
      const [scan] = await scanInventory(inv, { executor: capped, clock: systemClock });
      for (const n of scan!.nodes) {
        expect(n.ok).toBe(false);
        expect((n as NodeScanFailed).error.kind).toBe("incomplete");
        expect((n as NodeScanFailed).error.message).toMatch(
          new RegExp(`scan incomplete: .*${n.node}.*output cap`),
        );
      }
      expect(exitCodeFor([scan!])).toBe(EXIT.NODE_FAILED);
    });
  },
);
