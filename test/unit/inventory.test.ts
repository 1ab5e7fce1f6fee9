import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config-error.js";
import { parseInventory } from "../../src/config/load-inventory.js";

const KEY = "SHA256:" + "A".repeat(43);
const good = `
approvals:
  approvers: [U0APPROVER1]
clusters:
  - name: prod
    channel: C0PRODOPS
    ssh: { user: ops, sudo: true }
    nodes:
      - { name: prod-server-1, host: 10.0.0.11, role: server, hostKey: "${KEY}" }
      - { name: prod-agent-1, host: 10.0.0.21, role: agent, hostKey: "${KEY}", port: 2222 }
`;

function problems(text: string): string[] {
  try {
    parseInventory(text, "/etc/rke2-chatops/inventory.yaml");
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("inventory", () => {
  it("applies defaults and per-cluster / per-node SSH overrides", () => {
    const inv = parseInventory(good, "/etc/rke2-chatops/inventory.yaml");
    expect(inv.report).toEqual({
      schedule: "0 8 * * *",
      timezone: "UTC",
      renewalWindowDays: 120,
      alertDays: [30, 14, 7, 3, 1],
      caAlertDays: [365, 180, 90, 30],
      shardNodes: 50,
    });
    expect(inv.approvals.requireDistinctApprover).toBe(true);
    const [s, a] = inv.clusters[0]!.nodes;
    expect(s!.ssh).toMatchObject({
      user: "ops",
      sudo: true,
      port: 22,
      privateKeyPath: "/etc/rke2-chatops/keys/id_ed25519",
    });
    expect(a!.ssh.port).toBe(2222);
  });

  it("names the exact key path of a wrong role", () => {
    const bad = good.replace("role: agent", "role: worker");
    expect(problems(bad)).toEqual(['clusters[0].nodes[1].role: expected "server" or "agent"']);
  });

  it("reports every problem at once, each with its path", () => {
    const bad = good
      .replace("name: prod\n", "name: Prod_1\n")
      .replace('hostKey: "' + KEY + '", port: 2222', 'hostKey: "abc", port: 99999')
      .replace("approvers: [U0APPROVER1]", "approvers: [bob]\n  colour: blue");
    const p = problems(bad);
    expect(p).toContain("approvals.colour: unknown key");
    expect(p.some((l) => l.startsWith("approvals.approvers[0]: expected a Slack user ID"))).toBe(true);
    expect(p.some((l) => l.startsWith("clusters[0].name: expected lowercase"))).toBe(true);
    expect(p.some((l) => l.startsWith("clusters[0].nodes[1].hostKey: expected a fingerprint"))).toBe(true);
    expect(p.some((l) => l.startsWith("clusters[0].nodes[1].port:"))).toBe(true);
  });

  it("refuses a hostile node name before it can reach any shell", () => {
    const p = problems(good.replace("name: prod-agent-1", 'name: "a; rm -rf /"'));
    expect(p[0]).toMatch(/^clusters\[0\]\.nodes\[1\]\.name: expected a Kubernetes node name/);
  });

  it("refuses duplicate names, clusters without servers and install commands without placeholders", () => {
    const noServer = good.replace("role: server", "role: agent").replace("prod-agent-1", "prod-server-1");
    const p = problems(noServer + `upgrade:\n  installCommand: "curl x | sh -"\n`);
    expect(p).toContain('clusters[0].nodes[1].name: duplicate node name "prod-server-1" in cluster prod');
    expect(p).toContain("clusters[0].nodes: a cluster needs at least one server node");
    expect(p).toContain("upgrade.installCommand: must contain {type}");
  });

  it("reports YAML syntax errors with a line number", () => {
    expect(problems("clusters: [\n  - name: x\n")[0]).toMatch(/^YAML line \d+/);
  });

  it("reports a missing clusters list", () => {
    expect(problems("approvals: {}\n")).toEqual(["clusters: required: list at least one cluster"]);
  });
});
