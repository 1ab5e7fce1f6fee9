import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CertRecord, ClusterScan, NodeScanOk } from "../../src/certs/cert-types.js";
import { scanInventory } from "../../src/scan/scan-inventory.js";
import { loadInventory } from "../../src/config/load-inventory.js";
import { systemClock } from "../../src/shared/clock.js";
import { createSsh2Executor } from "../../src/ssh/ssh2-executor.js";
import { sh } from "../../src/ssh/shell-quote.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";

const ns = namespacesAvailable();
if (!ns.ok) console.warn(`skipping sshd scan tests: ${ns.reason}`);

describe.skipIf(!ns.ok)("scanning a simulated 3-server + 2-agent cluster over real sshd", () => {
  let sim: SimCluster;
  let scan: ClusterScan;
  const executor = createSsh2Executor({ connectAttempts: 1 });

  beforeAll(async () => {
    const nodes = standardNodes(3, 2);
    nodes[1]!.certs = {
      overrides: {
        "server/tls/serving-kube-apiserver.crt": { notAfterDays: -5 },
        "server/tls/client-admin.crt": { notAfterDays: 40 },
        "server/tls/etcd/client.crt": { notBeforeDays: 3, notAfterDays: 300 },
      },
    };
    nodes[3]!.certs = {
      corrupt: {
        "agent/client-kube-proxy.crt": "empty",
        "agent/client-rke2-controller.crt": "garbage",
        "agent/serving-kubelet.crt": "truncated",
      },
    };
    // cp-3's serving certificates were issued for an old name and address (SAN drift).
    nodes[2]!.certs = { servingSans: { dns: ["cp-3-old"], ip: ["10.9.9.9"] } };
    sim = await startSimCluster({ name: "sim", nodes });
    const inv = loadInventory(sim.writeInventory());
    [scan] = (await scanInventory(inv, { executor, clock: systemClock })) as [ClusterScan];
  });
  afterAll(async () => sim?.stop());

  const node = (name: string) => scan.nodes.find((n) => n.node === name) as NodeScanOk;
  const cert = (n: string, suffix: string, index = 0) =>
    node(n).certs.find(
      (c) => c.source.path.endsWith(suffix) && c.source.index === index && !c.source.field,
    ) as CertRecord;

  it("returns every certificate file of every node with the dates on disk", () => {
    expect(scan.nodes.map((n) => [n.node, n.ok])).toEqual(sim.nodes.map((n) => [n.name, true]));
    for (const simNode of sim.nodes) {
      const scanned = node(simNode.name).certs.filter((c) => c.facts && !c.source.field);
      // agent-1 has three corrupt files; every other agent has 4 leaf bundles + 2 CA copies.
      expect(scanned.length).toBeGreaterThanOrEqual(
        simNode.role === "server" ? 30 : simNode.name === "agent-1" ? 4 : 10,
      );
      for (const c of scanned.filter((x) => x.source.index === 0)) {
        // Independent check: node's own X.509 parser on the file behind the node's mount.
        const hostPath = join(simNode.dataDir, c.source.path.replace("/var/lib/rancher/rke2/", ""));
        if (!c.source.path.startsWith("/var/lib/rancher/rke2/")) continue;
        const disk = new X509Certificate(readFileSync(hostPath));
        expect(new Date(c.facts!.notAfter).getTime()).toBe(new Date(disk.validTo).getTime());
        expect(c.facts!.serial).toBe(disk.serialNumber.toLowerCase().replace(/^0+/, "") || "0");
      }
    }
  });

  it("reads the admin client certificate embedded in rke2.yaml on servers only", () => {
    for (const n of sim.nodes) {
      const embedded = node(n.name).certs.filter((c) => c.source.path === "/etc/rancher/rke2/rke2.yaml");
      expect(embedded.length > 0).toBe(n.role === "server");
      if (n.role !== "server") continue;
      // The user entry's client certificate, and the cluster entry's CA (exported like the exporter does).
      const user = embedded.filter((c) => c.source.embedded?.kind === "user");
      expect(user[0]!.facts!.subjectCN).toBe("system:admin");
      expect(user[0]!.source.embedded?.key).toBe("default");
      const ca = embedded.filter((c) => c.source.embedded?.kind === "cluster");
      expect(ca.length).toBeGreaterThan(0);
      expect(ca.every((c) => c.facts!.isCA)).toBe(true);
    }
  });

  it("classifies expired, renewal-window and not-yet-valid certificates", () => {
    expect(cert("cp-2", "/server/tls/serving-kube-apiserver.crt")).toMatchObject({
      status: "expired",
      daysLeft: -5,
    });
    expect(cert("cp-2", "/server/tls/client-admin.crt")).toMatchObject({
      status: "renewal-window",
      daysLeft: 39,
    });
    expect(cert("cp-2", "/server/tls/etcd/client.crt").status).toBe("not-yet-valid");
    expect(cert("cp-1", "/server/tls/serving-kube-apiserver.crt").status).toBe("ok");
    expect(cert("cp-1", "/server/tls/server-ca.crt").facts!.isCA).toBe(true);
  });

  it("reports serving certificates that no longer cover the node's inventory name and address as san-mismatch", () => {
    const api = cert("cp-3", "/server/tls/serving-kube-apiserver.crt");
    expect(api.status).toBe("san-mismatch");
    expect(api.reason).toBe("subject alternative names do not cover cp-3, 127.0.0.1");
    expect(cert("cp-3", "/agent/serving-kubelet.crt").status).toBe("san-mismatch");
    expect(cert("cp-3", "/server/tls/client-admin.crt").status).toBe("ok");
    expect(cert("cp-1", "/server/tls/serving-kube-apiserver.crt").status).toBe("ok");
  });

  it("classifies empty, garbage and truncated files as unreadable with the reason", () => {
    expect(cert("agent-1", "/agent/client-kube-proxy.crt")).toMatchObject({
      status: "unreadable",
      reason: "empty file",
    });
    expect(cert("agent-1", "/agent/client-rke2-controller.crt").reason).toMatch(/no PEM data/);
    expect(cert("agent-1", "/agent/serving-kubelet.crt").reason).toMatch(/truncated PEM/);
    expect(cert("agent-1", "/agent/client-kubelet.crt").status).toBe("ok");
  });

  it("keeps scanning the other nodes when one is unreachable and one has the wrong host key", async () => {
    const inv = loadInventory(sim.writeInventory());
    const c = inv.clusters[0]!;
    c.nodes[2]!.ssh.hostKey = sim.nodes[0]!.hostKeyFingerprint; // cp-3 pinned to cp-1's key
    c.nodes[4]!.ssh.port = 1; // nothing listens there
    const [res] = await scanInventory(inv, { executor, clock: systemClock });
    const byName = Object.fromEntries(res!.nodes.map((n) => [n.node, n]));
    expect(byName["cp-3"]).toMatchObject({ ok: false, error: { kind: "host-key-mismatch" } });
    const msg = (byName["cp-3"] as { error: { message: string } }).error.message;
    expect(msg).toContain(sim.nodes[0]!.hostKeyFingerprint);
    expect(msg).toContain(sim.nodes[2]!.hostKeyFingerprint);
    expect(byName["agent-2"]).toMatchObject({ ok: false, error: { kind: "unreachable" } });
    for (const ok of ["cp-1", "cp-2", "agent-1"]) expect(byName[ok]!.ok).toBe(true);
  });

  it("offers `rke2 certificate check --output table` as a cross-check", async () => {
    const inv = loadInventory(sim.writeInventory());
    const [res] = await scanInventory(
      inv,
      { executor, clock: systemClock },
      { cluster: "sim", node: "cp-2", crossCheck: true },
    );
    const n = res!.nodes[0] as NodeScanOk;
    expect(n.crossCheck?.error).toBeUndefined();
    const row = n.crossCheck!.rows.find(
      (r) => r.filename === "serving-kube-apiserver.crt" && r.subject === "kube-apiserver",
    );
    expect(row?.status).toBe("EXPIRED");
  });

  it("never lets a hostile value reach the remote shell unquoted", async () => {
    const inv = loadInventory(sim.writeInventory());
    const marker = "/tmp/rke2-chatops-pwned";
    rmSync(marker, { force: true });
    const session = await executor.open(inv.clusters[0]!.nodes[0]!);
    try {
      for (const hostile of [
        `a; touch ${marker}`,
        `$(touch ${marker})`,
        `\`touch ${marker}\``,
        `x' ; touch ${marker}; '`,
      ]) {
        const res = await session.run(sh`printf '%s' ${hostile}`);
        expect(res.stdout).toBe(hostile);
      }
    } finally {
      await session.close();
    }
    expect(existsSync(marker)).toBe(false);
  });

  it("the CLI prints JSON for every node and exits 2 when something expired", async () => {
    const { execFileSync } = await import("node:child_process");
    const path = sim.writeInventory();
    let status = 0;
    let stdout = "";
    try {
      stdout = execFileSync("node", ["bin/rke2-chatops.js", "certs", "--json"], {
        env: { ...process.env, RKE2_CHATOPS_CONFIG: path },
        encoding: "utf8",
      });
    } catch (err) {
      const e = err as { status: number; stdout: string };
      status = e.status;
      stdout = e.stdout;
    }
    expect(status).toBe(2);
    const json = JSON.parse(stdout);
    expect(json.clusters[0].nodes).toHaveLength(5);
    const api = json.clusters[0].nodes[1].certificates.find(
      (c: { path: string; index: number }) => c.path.endsWith("serving-kube-apiserver.crt") && c.index === 0,
    );
    expect(api).toMatchObject({ status: "expired", subject: "kube-apiserver", daysLeft: -5, kind: "leaf" });
    expect(Date.parse(api.notBefore)).toBeLessThan(Date.parse(api.notAfter));
  });

  it("the CLI refuses an unknown cluster with exit 64 and lists the known ones", async () => {
    const { spawnSync } = await import("node:child_process");
    const r = spawnSync("node", ["bin/rke2-chatops.js", "certs", "--cluster", "nope"], {
      env: { ...process.env, RKE2_CHATOPS_CONFIG: sim.writeInventory() },
      encoding: "utf8",
    });
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('unknown cluster "nope"; known clusters: sim');
  });

  it("check-config tries every node and names the failing one", async () => {
    const { spawnSync } = await import("node:child_process");
    const path = join(sim.dir, "bad-key.yaml");
    writeFileSync(
      path,
      sim.inventoryYaml().replace(sim.nodes[1]!.hostKeyFingerprint, sim.nodes[0]!.hostKeyFingerprint),
    );
    const r = spawnSync("node", ["bin/rke2-chatops.js", "check-config", "--config", path], {
      encoding: "utf8",
    });
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/^ok +sim\/cp-1 .*host key matches, v1\.\d+\.\d+\+rke2r\d/m);
    expect(r.stdout).toMatch(/^FAIL +sim\/cp-2 .*host key mismatch/m);
  });
});
