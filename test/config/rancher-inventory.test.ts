import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config-error.js";
import { parseInventory } from "../../src/config/load-inventory.js";

const KEY = "SHA256:" + "A".repeat(43);
const inventory = (rancher: string) => `
clusters:
  - name: edge
    channel: C0EDGEOPS
    rancher: ${rancher}
    nodes:
      - { name: edge-server-1, host: 10.0.0.11, role: server, hostKey: "${KEY}" }
`;

function parse(text: string) {
  try {
    return { inv: parseInventory(text, "/etc/rke2-chatops/inventory.yaml"), problems: [] as string[] };
  } catch (err) {
    if (err instanceof ConfigError) return { inv: undefined, problems: err.problems };
    throw err;
  }
}

describe("inventory: a cluster's rancher block", () => {
  it("defaults the namespace and wait, and resolves caFile against the inventory's directory", () => {
    const { inv, problems } = parse(
      inventory("{ url: https://rancher.example.com, tokenEnv: RANCHER_TOKEN, name: edge, caFile: ca.pem }"),
    );
    expect(problems).toEqual([]);
    expect(inv!.clusters[0]!.rancher).toEqual({
      url: "https://rancher.example.com",
      tokenEnv: "RANCHER_TOKEN",
      name: "edge",
      namespace: "fleet-default",
      caFile: "/etc/rke2-chatops/ca.pem",
      waitTimeoutSeconds: 1800,
    });
  });

  it("refuses plain http, a token in place of a variable name, and an unknown service, naming the keys", () => {
    const { problems } = parse(
      inventory(
        '{ url: "http://rancher.example.com", tokenEnv: "token-abc:xyz", name: edge, rotateServices: [etcd, bogus] }',
      ),
    );
    expect(problems.join("\n")).toMatch(
      /clusters\[0\]\.rancher\.url: expected the Rancher server's https URL/,
    );
    expect(problems.join("\n")).toMatch(
      /clusters\[0\]\.rancher\.tokenEnv: expected an environment variable name/,
    );
    expect(problems.join("\n")).toMatch(/clusters\[0\]\.rancher\.rotateServices\[1\]/);
    expect(problems.join("\n")).not.toContain("xyz");
  });

  it("lets a Rancher cluster list no nodes; a cluster without rancher still needs them, naming the key", () => {
    const bare = (rancher: string) => `
clusters:
  - name: edge
    channel: C0EDGEOPS
${rancher}
`;
    const ok = parse(
      bare("    rancher: { url: https://rancher.example.com, tokenEnv: RANCHER_TOKEN, name: edge }"),
    );
    expect(ok.problems).toEqual([]);
    expect(ok.inv!.clusters[0]!.nodes).toEqual([]);
    expect(parse(bare("    nodes: []")).problems).toEqual([
      "clusters[0].nodes: a cluster needs at least one node (only a cluster with a rancher: block may list none)",
    ]);
    expect(parse(bare("")).problems).toEqual([
      "clusters[0].nodes: a cluster needs at least one node (only a cluster with a rancher: block may list none)",
    ]);
  });
});
