import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "./sim-cluster.js";
import { readBundle } from "./fixtures/lib/certinfo.mjs";
import { runSsh } from "./ssh-client.js";

const avail = namespacesAvailable();
if (!avail.ok) console.warn(`[test/rig] simulated cluster tests skipped: ${avail.reason}`);
const title = (t: string) => (avail.ok ? t : `${t} (skipped: ${avail.reason})`);
const DAY = 86_400_000;
const ADMIN_KC = "--kubeconfig /etc/rancher/rke2/rke2.yaml";

describe.skipIf(!avail.ok)(title("simulated RKE2 cluster over real sshd"), () => {
  let c: SimCluster;
  const node = (n: string) => c.nodes.find((x) => x.name === n)!;
  const sh = async (n: string, cmd: string) => c.ssh(n, cmd);
  const kubectl = (n: string, args: string) => sh(n, `kubectl ${ADMIN_KC} ${args}`);

  beforeAll(async () => {
    const nodes = standardNodes(3, 2);
    nodes[0]!.certs = {
      overrides: {
        "server/tls/serving-kube-apiserver.crt": { notAfterDays: -5 },
        "server/tls/client-admin.crt": { notAfterDays: 30 },
      },
      corrupt: { "server/tls/client-scheduler.crt": "garbage" },
    };
    nodes[3]!.certs = { leafDays: 500, overrides: { "agent/serving-kubelet.crt": { notBeforeDays: 2 } } };
    const t0 = Date.now();
    c = await startSimCluster({ name: "rigtest", nodes });
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
  afterAll(async () => {
    await c?.stop();
  });

  it("gives every node its own /var/lib/rancher/rke2 behind a pinned host key", async () => {
    const seen = new Set<string>();
    for (const n of c.nodes) {
      const r = await sh(
        n.name,
        "sha256sum /var/lib/rancher/rke2/agent/client-kubelet.crt; test -d /var/lib/rancher/rke2/server && echo has-server; cat /etc/rancher/rke2/.sim.json",
      );
      expect(r.code, r.stderr).toBe(0);
      const digest = r.stdout.split(" ")[0]!;
      seen.add(digest);
      expect(r.stdout.includes("has-server")).toBe(n.role === "server");
      expect(JSON.parse(r.stdout.slice(r.stdout.indexOf("{"))).node).toBe(n.name);
      const hostCopy = readBundle(join(n.dataDir, "agent/client-kubelet.crt"))[0]!;
      expect(hostCopy.subject).toBe(`system:node:${n.name}`);
    }
    expect(seen.size).toBe(c.nodes.length);
    expect(existsSync("/var/lib/rancher/rke2/agent")).toBe(false); // nothing leaks to the host
    expect(c.nodes.every((n) => /^SHA256:[A-Za-z0-9+/]{43}$/.test(n.hostKeyFingerprint))).toBe(true);
    // cp-2's port presented with cp-1's pinned key must be refused by StrictHostKeyChecking
    const wrong = join(c.dir, "wrong_known_hosts");
    writeFileSync(
      wrong,
      `[127.0.0.1]:${node("cp-2").port} ${node("cp-1").knownHostsLine.split(" ").slice(1).join(" ")}\n`,
    );
    const r = await runSsh(
      { port: node("cp-2").port, clientKeyPath: c.clientKeyPath, knownHostsPath: wrong },
      "true",
    );
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/host key|HOST IDENTIFICATION/i);
  });

  it("prints `rke2 certificate check --output table` in the reference layout and classifies statuses", async () => {
    const r = await sh("cp-1", "rke2 certificate check --output table");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/level=info msg="Server detected, checking agent and server certificates"/);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("");
    expect(lines[1]).toMatch(/^FILENAME {3,}SUBJECT {3,}USAGES {3,}EXPIRES {3,}RESIDUAL TIME {3}STATUS$/);
    expect(lines[2]).toMatch(/^-{8} +-{7} +-{6} +-{7} +-{13} +-{6}$/);
    const starts = ["SUBJECT", "USAGES", "EXPIRES", "RESIDUAL TIME", "STATUS"].map((h) =>
      lines[1]!.indexOf(h),
    );
    const rows = lines.slice(3).filter(Boolean);
    const cells = rows.map((l) => [0, ...starts].map((s, i, a) => l.slice(s, a[i + 1] ?? undefined)));
    // tabwriter: every column is as wide as its widest cell + 3 spaces of padding
    for (let col = 0; col < starts.length; col++) {
      const widest = Math.max(
        ...cells.map((cs) => cs[col]!.trimEnd().length + (col === 4 ? 1 : 0)),
        lines[1]!.slice([0, ...starts][col], starts[col]).trimEnd().length,
      );
      expect(starts[col]! - [0, ...starts][col]!).toBe(widest + 3);
    }
    const byFile = new Map<string, string[][]>();
    for (const cs of cells)
      byFile.set(cs[0]!.trim(), [...(byFile.get(cs[0]!.trim()) ?? []), cs.map((x) => x.trim())]);
    expect([...byFile.keys()].every((f) => !f.includes("/"))).toBe(true);
    expect(byFile.has("client-scheduler.crt")).toBe(false); // garbage file: silently skipped like k3s
    expect(byFile.get("client-kube-proxy.crt")).toHaveLength(4); // server/tls copy + agent copy
    const api = byFile.get("serving-kube-apiserver.crt")!;
    expect(api[0]).toEqual([
      "serving-kube-apiserver.crt",
      "kube-apiserver",
      "ServerAuth",
      expect.stringMatching(/^\w{3} \d{2}, \d{4} \d{2}:\d{2} UTC$/),
      "5 days",
      "EXPIRED",
    ]);
    expect(api[1]![1]).toMatch(/^rke2-server-ca@\d+$/);
    expect(api[1]!.slice(2).join("|")).toMatch(/^CertSign\|.*\|OK$/);
    expect(byFile.get("client-admin.crt")![0]!.slice(4)).toEqual(["4 weeks", "WARNING"]);
    expect(byFile.get("server-client.crt")![0]![2]).toBe("ServerAuth,ClientAuth");

    const agent = await sh("agent-1", "rke2 certificate check -o json");
    expect(agent.stderr).toContain("Agent detected, checking agent certificates");
    const certs = JSON.parse(agent.stdout).Certificates as Array<{
      Filename: string;
      Status: string;
      ResidualTime: number;
    }>;
    expect(new Set(certs.map((x) => x.Filename))).toEqual(
      new Set([
        "client-kubelet.crt",
        "serving-kubelet.crt",
        "client-kube-proxy.crt",
        "client-rke2-controller.crt",
      ]),
    );
    expect(certs.find((x) => x.Filename === "serving-kubelet.crt")!.Status).toBe("NOT YET VALID");
    const bad = await sh("agent-1", "rke2 certificate check -o xml");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("invalid output format xml");
  });

  it("rotate backs up and deletes leaves; systemctl start re-issues them from the CA's NotBefore", async () => {
    const n = node("cp-1");
    const leaves = [
      "server/tls/client-admin.crt",
      "server/tls/serving-kube-apiserver.crt",
      "server/tls/etcd/server-client.crt",
      "agent/client-kubelet.crt",
    ];
    const before = new Map(leaves.map((l) => [l, readBundle(join(n.dataDir, l))[0]!]));
    const caNotBefore = readBundle(join(n.dataDir, "server/tls/client-ca.crt"))[0]!.notBefore;
    const rot = await sh("cp-1", "systemctl stop rke2-server && rke2 certificate rotate");
    expect(rot.code, rot.stderr).toBe(0);
    const backup =
      /Successfully backed up certificates to (\/var\/lib\/rancher\/rke2\/server\/tls-(\d+)), please restart/.exec(
        rot.stderr,
      );
    expect(backup).not.toBeNull();
    const hostBackup = join(n.dataDir, "server", `tls-${backup![2]}`);
    expect(readdirSync(hostBackup)).toEqual(
      expect.arrayContaining([
        "client-admin.crt",
        "client-admin.key",
        "client-ca.crt",
        "etcd",
        "client-kubelet.crt",
        "serving-kubelet.crt",
      ]),
    );
    for (const l of leaves) expect(existsSync(join(n.dataDir, l)), l).toBe(false);
    expect(existsSync(join(n.dataDir, "server/tls/client-ca.key"))).toBe(true);
    expect(existsSync(join(n.dataDir, "force-restart"))).toBe(true);

    const start = await sh("cp-1", "systemctl start rke2-server && systemctl is-active rke2-server");
    expect(start.stdout.trim()).toBe("active");
    const now = Date.now();
    for (const l of leaves) {
      const after = readBundle(join(n.dataDir, l));
      expect(after.length, l).toBe(2); // leaf + CA bundle
      expect(after[0]!.notBefore).toBe(
        l.includes("etcd")
          ? readBundle(join(n.dataDir, "server/tls/etcd/server-ca.crt"))[0]!.notBefore
          : caNotBefore,
      );
      expect(after[0]!.serial).not.toBe(before.get(l)!.serial);
      expect(after[0]!.notAfter).toBeGreaterThan(before.get(l)!.notAfter);
      expect(Math.abs(after[0]!.notAfter - (now + 365 * DAY))).toBeLessThan(60_000);
    }
    expect(existsSync(join(n.dataDir, "force-restart"))).toBe(false);
    const kc = readFileSync(join(n.etcDir, "rke2.yaml"), "utf8");
    const embedded = Buffer.from(/client-certificate-data: (\S+)/.exec(kc)![1]!, "base64").toString();
    expect(embedded).toBe(readFileSync(join(n.dataDir, "server/tls/client-admin.crt"), "utf8"));
    const check = await sh("cp-1", "rke2 certificate check -o json");
    expect(
      (JSON.parse(check.stdout).Certificates as Array<{ Status: string }>).every((x) => x.Status === "OK"),
    ).toBe(true);
  });

  it("refuses etcd snapshots while rke2-server is stopped and saves them when it runs", async () => {
    const n = node("cp-2");
    const dir = join(n.dataDir, "server/db/snapshots");
    const stopped = await sh("cp-2", "systemctl stop rke2-server; rke2 etcd-snapshot save --name pre-rotate");
    expect(stopped.code).not.toBe(0);
    expect(stopped.stderr).toMatch(/level=fatal .*127\.0\.0\.1:9345.*connection refused/);
    expect(readdirSync(dir).filter((f) => !f.startsWith("."))).toEqual([]);
    const ok = await sh(
      "cp-2",
      "systemctl start rke2-server && rke2 etcd-snapshot save --name pre-rotate && rke2 etcd-snapshot ls",
    );
    expect(ok.code, ok.stderr).toBe(0);
    const file = /Snapshot (pre-rotate-cp-2-\d+) saved\./.exec(ok.stderr)![1]!;
    expect(statSync(join(dir, file)).size).toBeGreaterThan(0);
    expect(ok.stdout).toMatch(
      new RegExp(
        `^Name +Location +Size +Created\\n${file} file:///var/lib/rancher/rke2/server/db/snapshots/${file} \\d+ \\S+Z\\n$`,
      ),
    );
  });

  it("reports node readiness from the service state (and the ready-delay knob)", async () => {
    const ready = async (name: string) => {
      const r = await kubectl("cp-3", `get node ${name} -o json`);
      return JSON.parse(r.stdout).status.conditions.find((x: { type: string }) => x.type === "Ready")
        .status as string;
    };
    expect(await ready("agent-2")).toBe("True");
    await sh("agent-2", "systemctl stop rke2-agent");
    expect(await ready("agent-2")).toBe("Unknown");
    const table = await kubectl("cp-3", "get nodes");
    expect(table.stdout).toMatch(/^agent-2 +NotReady +<none> +\S+ +v1\.33\.5\+rke2r1$/m);
    c.setKnob("agent-2", "ready-delay-seconds", "4");
    try {
      const startedAt = Date.now();
      await sh("agent-2", "systemctl start rke2-agent");
      const states: string[] = [];
      while (Date.now() - startedAt < 15_000) {
        states.push(await ready("agent-2"));
        if (states.at(-1) === "True") break;
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(states[0]).toBe("False");
      expect(states.at(-1)).toBe("True");
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(4000);
    } finally {
      c.setKnob("agent-2", "ready-delay-seconds", null);
    }
    const refused = await sh(
      "cp-3",
      `systemctl stop rke2-server; kubectl ${ADMIN_KC} get nodes; systemctl start rke2-server`,
    );
    expect(refused.stderr).toContain("The connection to the server 127.0.0.1:6443 was refused");
  });

  it("blocks a drain with the pdb-block knob until the PDB allows it", async () => {
    c.setKnob("agent-1", "pdb-block", "1");
    const pdb = await kubectl("cp-1", "get pdb -A");
    expect(pdb.stdout).toMatch(
      /^NAMESPACE +NAME +MIN AVAILABLE +MAX UNAVAILABLE +ALLOWED DISRUPTIONS +AGE\nshop +web-pdb +2 +N\/A +0 +\S+\n$/,
    );
    const blocked = await kubectl(
      "cp-1",
      "drain agent-1 --ignore-daemonsets --delete-emptydir-data --timeout=1s",
    );
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain("node/agent-1 cordoned");
    expect(blocked.stderr).toMatch(
      /error when evicting pods\/"web-[a-z0-9]+-[a-z0-9]+" -n "shop" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./,
    );
    expect(blocked.stderr).toContain("global timeout reached: 1s");
    expect(c.nodeState("agent-1").cordoned).toBe(true);
    c.setKnob("agent-1", "pdb-block", null);
    const ok = await kubectl("cp-1", "drain agent-1 --ignore-daemonsets --delete-emptydir-data --timeout=5s");
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/node\/agent-1 drained\n$/);
    const pods = await kubectl("cp-1", "get pods -A --field-selector spec.nodeName=agent-1 -o json");
    const owners = JSON.parse(pods.stdout).items.map(
      (p: { metadata: { ownerReferences: Array<{ kind: string }> } }) => p.metadata.ownerReferences[0]!.kind,
    );
    expect(new Set(owners)).toEqual(new Set(["DaemonSet", "Node"]));
    await kubectl("cp-1", "uncordon agent-1");
    expect(c.nodeState("agent-1").cordoned).toBe(false);
  });

  it("honours failure knobs and upgrades only on restart", async () => {
    c.setKnob("cp-3", "rotate-fail", "1");
    const rot = await sh("cp-3", "rke2 certificate rotate");
    expect(rot.code).toBe(1);
    expect(rot.stderr).toMatch(/level=fatal msg=".*no space left on device"/);
    c.setKnob("cp-3", "rotate-fail", null);
    c.setKnob("cp-3", "start-fail", "1");
    const st = await sh("cp-3", "systemctl restart rke2-server");
    expect(st.code).toBe(1);
    expect(st.stderr).toContain(
      "Job for rke2-server.service failed because the control process exited with error code.",
    );
    expect(c.nodeState("cp-3").service).toBe("failed");
    c.setKnob("cp-3", "start-fail", null);
    c.setKnob("agent-2", "install-fail", "1");
    const inst = await sh(
      "agent-2",
      "INSTALL_RKE2_TYPE='agent' INSTALL_RKE2_VERSION='v1.34.1+rke2r1' rke2-install-sim",
    );
    expect(inst.code).toBe(1);
    c.setKnob("agent-2", "install-fail", null);
    // start-leaves-unchanged: an expired leaf survives the start
    c.setKnob("cp-3", "start-leaves-unchanged", "server/tls/client-admin.crt");
    const old = readBundle(join(node("cp-3").dataDir, "server/tls/client-admin.crt"))[0]!;
    await sh(
      "cp-3",
      "systemctl stop rke2-server; rke2 certificate rotate -s api-server; systemctl start rke2-server",
    );
    expect(readBundle(join(node("cp-3").dataDir, "server/tls/client-admin.crt"))[0]!.serial).toBe(old.serial);
    expect(existsSync(join(node("cp-3").dataDir, "server/tls/serving-kube-apiserver.crt"))).toBe(true);
    c.setKnob("cp-3", "start-leaves-unchanged", null);

    const up = await sh(
      "agent-2",
      "INSTALL_RKE2_TYPE='agent' INSTALL_RKE2_VERSION='v1.34.1+rke2r1' rke2-install-sim && rke2 --version",
    );
    expect(up.stdout).toMatch(
      /^rke2 version v1\.34\.1\+rke2r1 \([0-9a-f]{40}\)\ngo version go\S+ X:boringcrypto$/m,
    );
    expect(c.nodeState("agent-2")).toMatchObject({
      installedVersion: "v1.34.1+rke2r1",
      runningVersion: "v1.33.5+rke2r1",
      service: "active",
    });
    await sh("agent-2", "systemctl restart rke2-agent");
    expect(c.nodeState("agent-2").runningVersion).toBe("v1.34.1+rke2r1");
    const wide = await kubectl("cp-1", "get nodes -o wide");
    expect(wide.stdout).toMatch(/^agent-2 +Ready +<none> +\S+ +v1\.34\.1\+rke2r1 +10\.0\.0\.\d+ /m);
    const wrongUnit = await sh("agent-2", "systemctl start rke2-server");
    expect(wrongUnit.code).toBe(5);
    expect(wrongUnit.stderr).toContain("Unit rke2-server.service not found.");
  });

  it("records every fixture call in order and shows planted events", async () => {
    const since = Date.now();
    await sh(
      "agent-1",
      "systemctl stop rke2-agent; rke2 certificate rotate; systemctl start rke2-agent; rke2 bogus",
    );
    const log = c.commandLog().filter((e) => e.node === "agent-1" && e.t >= since);
    expect(log.map((e) => [e.argv.join(" "), e.exitCode])).toEqual([
      ["systemctl stop rke2-agent", 0],
      ["rke2 certificate rotate", 0],
      ["systemctl start rke2-agent", 0],
      ["rke2 bogus", 3],
    ]);
    expect(log.every((e, i) => i === 0 || e.t >= log[i - 1]!.t)).toBe(true);
    c.addEvent("cp-2");
    const ev = await kubectl("cp-1", "get events -A --field-selector reason=CertificateExpirationWarning");
    expect(ev.stdout).toMatch(
      /^NAMESPACE +LAST SEEN +TYPE +REASON +OBJECT +MESSAGE\ndefault +\S+ +Warning +CertificateExpirationWarning +node\/cp-2 +Node certificates require attention/,
    );
  });

  it("slows, hangs and disconnects nodes on request", async () => {
    c.setKnob("agent-1", "slow-ms", "400");
    let t = Date.now();
    await sh("agent-1", "rke2 --version");
    expect(Date.now() - t).toBeGreaterThanOrEqual(400);
    c.setKnob("agent-1", "slow-ms", null);
    c.setKnob("agent-1", "hang", "certificate check");
    const hungAt = Date.now();
    const hung = await c.ssh("agent-1", "rke2 certificate check", 2500);
    expect(hung.code).toBe(255); // killed by the client-side timeout
    const entry = c
      .commandLog()
      .find((e) => e.node === "agent-1" && e.t >= hungAt && e.argv[1] === "certificate");
    expect(entry).toBeDefined();
    expect(entry!.tEnd === undefined || entry!.tEnd - entry!.t >= 1000).toBe(true);
    c.setKnob("agent-1", "hang", null);
    await c.stopSshd("agent-1");
    const down = await sh("agent-1", "true");
    expect(down.code).toBe(255);
    t = Date.now();
    await c.startSshd("agent-1");
    const back = await sh("agent-1", "cat /etc/rancher/rke2/.sim.json");
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain('"agent-1"');
  });
});

describe.skipIf(!avail.ok)(title("simulated cluster at scale"), () => {
  it("starts 50 nodes in parallel and scans them all", async () => {
    const t0 = Date.now();
    const c = await startSimCluster({ name: "scale", nodes: standardNodes(5, 45) });
    try {
      const started = Date.now() - t0;
      expect(started).toBeLessThan(30_000);
      const rs = await Promise.all(
        c.nodes.map((n) => c.ssh(n.name, "rke2 certificate check -o json 2>/dev/null")),
      );
      expect(rs.every((r) => r.code === 0 && JSON.parse(r.stdout).Certificates.length >= 8)).toBe(true);
      console.info(
        `[test/rig] 50 nodes started in ${started} ms, scanned in ${Date.now() - t0 - started} ms`,
      );
    } finally {
      await c.stop();
    }
  }, 120_000);
});
