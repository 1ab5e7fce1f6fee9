import { existsSync, writeFileSync, chmodSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { namespacesAvailable, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";

const ns = namespacesAvailable();

/** Each agent's /usr/local/bin gets a `sudo` answering as the real one does when misconfigured. */
const SUDO: Record<string, string> = {
  // A working passwordless sudo: run what follows -n.
  "cp-1": `[ "$1" = -n ] && shift\nexec "$@"`,
  "agent-1": `echo "sudo: a password is required" >&2\nexit 1`,
  "agent-2": `echo "root is not in the sudoers file." >&2\nexit 1`,
  "agent-3": `echo "Sorry, user root is not allowed to execute '/bin/sh -c tail' as root on agent-3." >&2\nexit 1`,
};
// agent-4 has no sudo at all: the host has none, else a stand-in answers as a shell without it does.
const hostHasSudo = ["/usr/bin/sudo", "/bin/sudo", "/usr/sbin/sudo"].some((p) => existsSync(p));
if (hostHasSudo) SUDO["agent-4"] = `echo "sh: 1: sudo: not found" >&2\nexit 127`;

async function cli(...argv: string[]) {
  const out: string[] = [];
  const code = await runCli(
    argv,
    { configPath: "", logLevel: "silent" },
    { out: (s) => out.push(s), err: (s) => out.push(s) },
  );
  return { code, out: out.join("\n") };
}

describe.skipIf(!ns.ok)("a misconfigured sudo is named as such (ssh.sudo: true, real sshd)", () => {
  let sim: SimCluster;
  let inventory: string;

  beforeAll(async () => {
    sim = await startSimCluster({
      name: "sudo",
      nodes: [
        { name: "cp-1", role: "server" },
        ...[1, 2, 3, 4].map((i) => ({ name: `agent-${i}`, role: "agent" as const })),
      ],
    });
    for (const [node, body] of Object.entries(SUDO)) {
      const dataDir = sim.nodes.find((n) => n.name === node)!.dataDir;
      const path = join(dirname(dataDir), "usr-local-bin", "sudo");
      writeFileSync(path, `#!/bin/sh\n${body}\n`);
      chmodSync(path, 0o755);
    }
    inventory = sim.writeInventory(join(sim.dir, "sudo-inventory.yaml"), {
      clusterExtra: { ssh: { sudo: true } },
    });
  });
  afterAll(async () => sim?.stop());

  it("certs: the node that needs a sudo password is said to, with the fix, not 'no RKE2 certificates'", async () => {
    const r = await cli("certs", "--json", "--config", inventory);
    expect(r.code).toBe(3);
    const scan = JSON.parse(r.out) as {
      clusters: Array<{
        nodes: Array<{ node: string; ok: boolean; error?: { kind: string; message: string } }>;
      }>;
    };
    const nodes = Object.fromEntries(scan.clusters[0]!.nodes.map((n) => [n.node, n]));
    expect(nodes["cp-1"]!.ok).toBe(true);
    for (const n of ["agent-1", "agent-2", "agent-3", "agent-4"]) {
      expect(nodes[n]).toMatchObject({ ok: false, error: { kind: "sudo" } });
      expect(nodes[n]!.error!.message).not.toContain("no RKE2 certificates");
      expect(nodes[n]!.error!.message).toContain("ssh.user: root");
    }
    expect(nodes["agent-1"]!.error!.message).toMatch(
      /^sudo needs a password on agent-1 \(root@127\.0\.0\.1\): `sudo -n` answered "a password is required".*NOPASSWD/,
    );
    expect(nodes["agent-2"]!.error!.message).toMatch(
      /^root may not use sudo on agent-2 .*"is not in the sudoers file".*NOPASSWD/,
    );
    expect(nodes["agent-3"]!.error!.message).toMatch(
      /^root may not use sudo on agent-3 .*"is not allowed to execute"/,
    );
    expect(nodes["agent-4"]!.error!.message).toMatch(
      /^sudo is not installed on agent-4 .* although ssh\.sudo is true/,
    );
  });

  it("certs (table): the failing nodes' lines carry the sudo diagnosis", async () => {
    const r = await cli("certs", "--config", inventory, "--node", "agent-1", "--cluster", "sudo");
    expect(r.code).toBe(3);
    expect(r.out).toContain("sudo needs a password on agent-1");
  });

  it("check-config: FAIL with the sudo diagnosis instead of 'ok … rke2 not found'", async () => {
    const r = await cli("check-config", "--config", inventory);
    expect(r.code).toBe(3);
    const line = (n: string) => r.out.split("\n").find((l) => l.includes(`sudo/${n} `)) ?? "";
    expect(line("cp-1")).toMatch(/^ok {4}sudo\/cp-1 .*host key matches, v1\.\S+/);
    expect(line("agent-1")).toMatch(
      /^FAIL {2}sudo\/agent-1 .*host key matches, but sudo needs a password on agent-1/,
    );
    expect(line("agent-2")).toMatch(/^FAIL .*root may not use sudo on agent-2/);
    expect(line("agent-3")).toMatch(/^FAIL .*root may not use sudo on agent-3/);
    expect(line("agent-4")).toMatch(/^FAIL .*sudo is not installed on agent-4/);
    expect(r.out).not.toContain("rke2 not found");
  });
});
