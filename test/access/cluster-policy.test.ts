import { describe, expect, it } from "vitest";
import { approvalsRequired, clusterPolicy, policyOf } from "../../src/access/cluster-policy.js";
import { ConfigError } from "../../src/config/config-error.js";
import { parseInventory } from "../../src/config/load-inventory.js";

const KEY = "SHA256:" + "A".repeat(43);
const cluster = (name: string, extra = "") => `
  - name: ${name}
    channel: C0${name.toUpperCase()}
${extra}
    nodes:
      - { name: ${name}-1, host: 10.0.0.11, role: server, hostKey: "${KEY}" }`;

const TOP = `
approvals:
  approvers: [S0SREONCALL, U0LEAD]
  requesters: [S0PLATFORM]
  approvalsRequired: { default: 1, server-roll: 2 }
  requireDistinctApprover: true
  expireAfterMinutes: 120
limits: { scansPerUserPerMinute: 2 }
clusters:`;

const parse = (text: string) => parseInventory(text, "/etc/rke2-chatops/inventory.yaml");

describe("a cluster's approvals override the top-level default key by key", () => {
  const inv = parse(
    TOP +
      cluster("plain") +
      cluster(
        "strict",
        `    approvals:
      approvers: [U0CTO, U0CISO, U0SRE]
      approvalsRequired: { agents: 3, server-roll: 1 }
      expireAfterMinutes: 30
    channelOnly: true
    readers: [S0AUDIT]`,
      ) +
      cluster(
        "open",
        `    approvals:
      requireDistinctApprover: false
      approvalsRequired: { default: 2 }`,
      ),
  );
  const of = (name: string) =>
    clusterPolicy(
      inv,
      inv.clusters.find((c) => c.name === name)!,
    );

  it("a cluster without a block gets the top-level policy as written", () => {
    expect(of("plain")).toEqual({
      cluster: "plain",
      channel: "C0PLAIN",
      approvers: ["S0SREONCALL", "U0LEAD"],
      requesters: ["S0PLATFORM"],
      approvalsRequired: { default: 1, "server-roll": 2 },
      requireDistinctApprover: true,
      expireAfterMinutes: 120,
      channelOnly: false,
    });
  });

  it("given keys replace, missing keys inherit; approvalsRequired merges phase by phase", () => {
    const p = of("strict");
    expect(p).toEqual({
      cluster: "strict",
      channel: "C0STRICT",
      approvers: ["U0CTO", "U0CISO", "U0SRE"],
      requesters: ["S0PLATFORM"],
      readers: ["S0AUDIT"],
      approvalsRequired: { default: 1, "server-roll": 1, agents: 3 },
      requireDistinctApprover: true,
      expireAfterMinutes: 30,
      channelOnly: true,
    });
    expect(["backup", "server-roll", "agents"].map((ph) => approvalsRequired(p, ph))).toEqual([1, 1, 3]);
  });

  it("overriding `default` keeps the inherited phase keys; a boolean override of true by false holds", () => {
    const p = of("open");
    expect(p.approvalsRequired).toEqual({ default: 2, "server-roll": 2 });
    expect(["backup", "server-roll"].map((ph) => approvalsRequired(p, ph))).toEqual([2, 2]);
    expect(p.requireDistinctApprover).toBe(false);
    expect(p.approvers).toEqual(["S0SREONCALL", "U0LEAD"]);
    expect(p.expireAfterMinutes).toBe(120);
  });

  it("a cluster no longer in the inventory gets the top-level defaults", () => {
    expect(policyOf(inv, "gone")).toMatchObject({
      approvers: ["S0SREONCALL", "U0LEAD"],
      approvalsRequired: { default: 1, "server-roll": 2 },
      channelOnly: false,
    });
  });

  it("limits default to 5 scans per user per minute and are read from the inventory", () => {
    expect(inv.limits).toEqual({ scansPerUserPerMinute: 2 });
    expect(parse("clusters:" + cluster("x")).limits).toEqual({ scansPerUserPerMinute: 5 });
  });

  it("the merged count is checked against the cluster's own single-user approvers", () => {
    let problems: string[] = [];
    try {
      parse(
        TOP +
          cluster(
            "tiny",
            `    approvals:
      approvers: [U0ONLY]`,
          ),
      );
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems = err.problems;
    }
    // server-roll: 2 is inherited from the top level, and one user cannot give two approvals.
    expect(problems).toEqual([
      "clusters[0].approvals.approvalsRequired: 2 approvals required but cluster tiny has only 1 approver(s)",
    ]);
  });
});
