import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createAccess } from "../../src/access/access-check.js";
import { cacheGroups, noGroups } from "../../src/access/group-directory.js";
import { refreshKubeconfigCopies } from "../../src/operations/kubeconfig/refresh-kubeconfigs.js";
import { silentLogger } from "../../src/shared/logger.js";
import { systemClock } from "../../src/shared/clock.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { APPROVERS, atGate, createHarness, finished, REQUESTER, type Harness } from "./support/harness.js";
import { textOf } from "./support/recording-chat.js";

const avail = namespacesAvailable();

/** SHA-256 of the first client-certificate-data certificate of a kubeconfig on the node. */
const CLIENT_FP = (file: string) =>
  `sed -n 's/^ *client-certificate-data: *//p' ${file} | head -n 1 | base64 -d | openssl x509 -outform DER | sha256sum | cut -d' ' -f1`;

describe.skipIf(!avail.ok)(
  "after a rotation: new keys proven, stale kubeconfig copies listed and refreshed",
  () => {
    let sim: SimCluster;
    let h: Harness;

    beforeAll(async () => {
      sim = await startSimCluster({ name: "kcopies", nodes: standardNodes(2, 1) });
      h = await createHarness(sim, inject("redisUrl"));
      // The guide's copy on cp-1, pointed at an external address; cp-2 has none.
      const r = await sim.ssh(
        "cp-1",
        "mkdir -p ~/.kube && cp /etc/rancher/rke2/rke2.yaml ~/.kube/config && sed -i 's#server: .*#server: https://rke2.example.com:6443#' ~/.kube/config",
      );
      expect(r.code, r.stderr).toBe(0);
    });
    afterAll(async () => {
      await h?.close();
      await sim?.stop();
    });

    it(
      "rotates, then the completion shows new keys per node and names the stale copy",
      { timeout: 180_000 },
      async () => {
        const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
        expect(req.ok, req.message).toBe(true);
        const id = req.operationId!;
        expect((await h.click(id, "approve")).ok).toBe(true);
        await h.waitFor(id, atGate(1));
        expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
        await h.waitFor(id, atGate(2));
        expect((await h.click(id, "approve")).ok).toBe(true);
        const op = await h.waitFor(id, finished);
        expect(op.status).toBe("completed");

        // The op is marked completed just before its completion note is posted: wait for the note.
        const end = Date.now() + 15_000;
        let note = h.chat.thread(op.message!.ts).find((m) => textOf(m).includes("earliest expiry after"));
        while (!note && Date.now() < end) {
          await new Promise((r) => setTimeout(r, 50));
          note = h.chat.thread(op.message!.ts).find((m) => textOf(m).includes("earliest expiry after"));
        }
        expect(note, "completion note").toBeDefined();
        const completion = textOf(note!).replaceAll("\\n", "\n");
        expect(completion).toContain("new keys");
        // Rotated servers: every leaf has a new key pair.
        for (const s of ["cp-1", "cp-2"])
          expect(completion).toMatch(new RegExp(`^${s} .* (\\d+)/\\1 .*renewed`, "m"));
        // The agent was restarted, not rotated: its leaves were renewed with the same keys, each one named.
        expect(completion).toMatch(/^agent-1 .* 0\/4 .*renewed/m);
        expect(completion).toContain("4 leaf certificates renewed with the *same public key*");
        expect(completion).toMatch(
          /\*agent-1\* `\/var\/lib\/rancher\/rke2\/agent\/client-kubelet\.crt`: same key/,
        );
        expect(completion).toContain("the old client certificate");
        expect(completion).toContain("/root/.kube/config");
        expect(completion).toMatch(/\*cp-1\* `\/root\/\.kube\/config`/);
        expect(completion).not.toMatch(/\*cp-2\* `\/root/);
        expect(completion).not.toMatch(/PRIVATE KEY|client-key-data/);

        const old = await sim.ssh("cp-1", CLIENT_FP("~/.kube/config"));
        const cur = await sim.ssh("cp-1", CLIENT_FP("/etc/rancher/rke2/rke2.yaml"));
        expect(old.stdout.trim()).not.toBe(cur.stdout.trim());
      },
    );

    it("refreshes the listed copy for an approver only, keeping its server:", async () => {
      const access = createAccess(h.inventory, cacheGroups(noGroups, systemClock));
      const deps = { inventory: h.inventory, ssh: h.executor, access, logger: silentLogger };
      const refused = await refreshKubeconfigCopies(deps, sim.name, REQUESTER);
      expect(refused).toMatchObject({ ok: false, refreshed: [] });
      expect(refused.message).toContain("Only approvers");
      const before = await sim.ssh("cp-1", "cat ~/.kube/config");

      const done = await refreshKubeconfigCopies(deps, sim.name, APPROVERS[0]!);
      expect(done.ok, done.message).toBe(true);
      expect(done.refreshed).toEqual([{ node: "cp-1", path: "/root/.kube/config" }]);
      expect(done.message).not.toMatch(/PRIVATE KEY|client-key-data|BEGIN/);
      const after = await sim.ssh("cp-1", "cat ~/.kube/config");
      expect(after.stdout).not.toBe(before.stdout);
      expect(after.stdout).toContain("server: https://rke2.example.com:6443");
      const old = await sim.ssh("cp-1", CLIENT_FP("~/.kube/config"));
      const cur = await sim.ssh("cp-1", CLIENT_FP("/etc/rancher/rke2/rke2.yaml"));
      expect(old.stdout.trim()).toBe(cur.stdout.trim());
      const mode = await sim.ssh("cp-1", "stat -c %a ~/.kube/config; ls ~/.kube");
      expect(mode.stdout.trim()).toBe("600\nconfig");

      // Nothing stale any more: a second refresh has nothing to do.
      const again = await refreshKubeconfigCopies(deps, sim.name, APPROVERS[0]!);
      expect(again).toMatchObject({ ok: true, refreshed: [] });
    });
  },
);
