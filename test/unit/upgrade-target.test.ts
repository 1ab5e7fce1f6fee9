import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { fetchChannels, resolveChannelRedirect } from "../../src/rke2/channel-client.js";
import { checkUpgradePath, pickTargetVersion, type NodeVersion } from "../../src/rke2/resolve-target.js";
import { compareRke2, parseRke2Version, parseRke2VersionOutput } from "../../src/rke2/rke2-version.js";
import { sucPlansYaml } from "../../src/rke2/suc-plans.js";

const channels = [
  { id: "stable", latest: "v1.33.6+rke2r1" },
  { id: "latest", latest: "v1.34.8+rke2r1" },
  { id: "v1.32", latest: "v1.32.9+rke2r1" },
  { id: "v1.33", latest: "v1.33.6+rke2r1" },
  { id: "v1.34", latest: "v1.34.8+rke2r1" },
];

// A local channel server speaking the real JSON and 302s; a followed redirect would hit /github.
let server: Server;
let base = "";
const hits: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? "");
    if (req.url === "/v1-release/channels") {
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          type: "collection",
          resourceType: "channel",
          data: channels.map((c) => ({ ...c, type: "channel", name: c.id })),
        }),
      );
    } else if (req.url?.startsWith("/v1-release/channels/")) {
      const id = decodeURIComponent(req.url.split("/").pop()!);
      const c = channels.find((x) => x.id === id);
      if (!c) return void res.writeHead(404).end();
      res.writeHead(302, { location: `${base}/github/rancher/rke2/releases/tag/${c.latest}` }).end();
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const v = (s: string) => parseRke2Version(s)!;
const nodes = (...vs: Array<[string, "server" | "agent", string]>): NodeVersion[] =>
  vs.map(([node, role, ver]) => ({ node, role, version: v(ver) }));

describe("rke2 versions", () => {
  it("orders by semver, then by the rke2rN release", () => {
    expect(compareRke2(v("v1.34.2+rke2r2"), v("v1.34.2+rke2r1"))).toBeGreaterThan(0);
    expect(compareRke2(v("v1.34.10+rke2r1"), v("v1.34.9+rke2r3"))).toBeGreaterThan(0);
    expect(compareRke2(v("v1.35.0-rc1+rke2r1"), v("v1.35.0+rke2r1"))).toBeLessThan(0);
  });
  it("reads `rke2 --version`", () => {
    expect(
      parseRke2VersionOutput(
        "rke2 version v1.28.8+rke2r1 (42cab2f61939504cb17073e47deaea0b29fe2c1b)\ngo version go1.21.8 X:boringcrypto\n",
      )?.raw,
    ).toBe("v1.28.8+rke2r1");
  });
});

describe("channel resolution against a local channel server", () => {
  it("reads the collection and resolves a 302 without following it", async () => {
    expect(await fetchChannels(`${base}/v1-release/channels`)).toEqual(channels);
    hits.length = 0;
    expect(await resolveChannelRedirect(`${base}/v1-release/channels`, "stable")).toBe("v1.33.6+rke2r1");
    expect(hits).toEqual(["/v1-release/channels/stable"]);
  });

  it.each([
    ["v1.34", "v1.34.8+rke2r1"],
    ["latest", "v1.34.8+rke2r1"],
    ["stable", "v1.33.6+rke2r1"],
    ["v1.34.2+rke2r1", "v1.34.2+rke2r1"],
  ])("%s resolves to %s", (req, exact) => {
    const r = pickTargetVersion(req, channels);
    expect(r.ok && r.version.raw).toBe(exact);
  });

  it.each([
    ["v1.34.9+rke2r1", /not a known release \(the v1.34 channel ends at v1.34.8\+rke2r1\)/],
    ["v1.40.1+rke2r1", /not a known release \(the v1.40 channel does not exist\)/],
    ["edge", /unknown channel "edge"/],
    ["v1.34.2", /not an RKE2 version/],
  ])("refuses %s", (req, reason) => {
    const r = pickTargetVersion(req, channels);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(reason);
  });
});

describe("upgrade path checks", () => {
  const pick = (s: string) => ({ version: v(s), via: "x" });
  const cluster = nodes(
    ["cp-1", "server", "v1.33.5+rke2r1"],
    ["cp-2", "server", "v1.33.5+rke2r1"],
    ["a-1", "agent", "v1.33.5+rke2r1"],
  );
  it("plans every node below the target and skips those at it", () => {
    const mixed = nodes(
      ["cp-1", "server", "v1.34.8+rke2r1"],
      ["cp-2", "server", "v1.33.5+rke2r1"],
      ["a-1", "agent", "v1.33.5+rke2r1"],
    );
    const r = checkUpgradePath("v1.34", pick("v1.34.8+rke2r1"), mixed);
    expect(r.ok && r.upgrade.map((n) => n.node)).toEqual(["cp-2", "a-1"]);
    expect(r.ok && r.alreadyAtTarget.map((n) => n.node)).toEqual(["cp-1"]);
  });
  it("refuses a downgrade", () => {
    const r = checkUpgradePath("v1.33", pick("v1.33.1+rke2r1"), cluster);
    expect(!r.ok && r.reason).toMatch(/downgrade: cp-1 runs v1.33.5\+rke2r1/);
  });
  it("refuses a skipped minor", () => {
    const r = checkUpgradePath("v1.35", pick("v1.35.1+rke2r1"), cluster);
    expect(!r.ok && r.reason).toMatch(/skips a minor version/);
  });
  it("refuses agents ahead of servers", () => {
    const bad = nodes(["cp-1", "server", "v1.33.1+rke2r1"], ["a-1", "agent", "v1.33.5+rke2r1"]);
    const r = checkUpgradePath("v1.33.6+rke2r1", pick("v1.33.6+rke2r1"), bad);
    expect(!r.ok && r.reason).toMatch(/agents are ahead of servers/);
  });
});

describe("System Upgrade Controller plans", () => {
  it("match the guide's structure field by field, pinned to the exact version", () => {
    const docs = parseAllDocuments(sucPlansYaml("v1.34.8+rke2r1", { agentConcurrency: 2 })).map((d) =>
      d.toJS(),
    );
    const [server, agent] = docs;
    expect(server).toEqual({
      apiVersion: "upgrade.cattle.io/v1",
      kind: "Plan",
      metadata: { name: "server-plan", namespace: "system-upgrade" },
      spec: {
        concurrency: 1,
        cordon: true,
        nodeSelector: {
          matchExpressions: [
            { key: "node-role.kubernetes.io/control-plane", operator: "In", values: ["true"] },
          ],
        },
        serviceAccountName: "system-upgrade",
        tolerations: [
          { key: "CriticalAddonsOnly", operator: "Exists" },
          { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
          { key: "node-role.kubernetes.io/etcd", operator: "Exists", effect: "NoExecute" },
        ],
        upgrade: { image: "rancher/rke2-upgrade" },
        version: "v1.34.8+rke2r1",
      },
    });
    expect(agent.spec).toEqual({
      concurrency: 2,
      cordon: true,
      nodeSelector: {
        matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" }],
      },
      prepare: { image: "rancher/rke2-upgrade", args: ["prepare", "server-plan"] },
      serviceAccountName: "system-upgrade",
      upgrade: { image: "rancher/rke2-upgrade" },
      version: "v1.34.8+rke2r1",
    });
  });
});
