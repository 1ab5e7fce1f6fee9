import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { namespacesAvailable, startSimCluster, type SimCluster } from "../../rig/sim-cluster.js";
import { commandsSince } from "../support/command-log.js";
import { REQUESTER, type Harness } from "../support/harness.js";
import { buttonsOf, textOf } from "../support/recording-chat.js";
import { startChannelServer, type ChannelServer } from "./support/channel-server.js";
import { createUpgradeHarness, FROM, resetCluster, TO } from "./support/upgrade-harness.js";
import { MUTATING } from "./support/upgrade-log.js";

const avail = namespacesAvailable();
const nodes = [
  { name: "cp-1", role: "server" as const, version: FROM },
  { name: "cp-2", role: "server" as const, version: FROM },
  { name: "agent-1", role: "agent" as const, version: FROM },
];

/**
 * Every refusal is answered with its reason, offers no buttons, changes nothing, and leaves the
 * cluster free for the next request. The channel server is read by this process, never through a
 * followed redirect.
 */
describe.skipIf(!avail.ok)("upgrade refusals at preflight", () => {
  let sim: SimCluster;
  let channels: ChannelServer;
  let h: Harness;

  beforeAll(async () => {
    [sim, channels] = await Promise.all([startSimCluster({ name: "upgref", nodes }), startChannelServer()]);
    h = await createUpgradeHarness(sim, inject("redisUrl"), { channelUrl: channels.url });
  });
  afterEach(() => resetCluster(sim));
  afterAll(async () => {
    await h?.close();
    await sim?.stop();
    await channels?.close();
  });

  async function refused(target: string) {
    const t0 = Date.now();
    const res = await h.ops.request("upgrade", sim.name, [target], { userId: REQUESTER });
    expect(res.ok, res.message).toBe(false);
    const op = await h.op(res.operationId!);
    expect(op.status).toBe("preflight-failed");
    const msg = h.chat.latest(op.message!.ts);
    expect(buttonsOf(msg).size, "no buttons on a refusal").toBe(0);
    expect(commandsSince(sim.commandLog(), t0, MUTATING)).toEqual([]);
    expect(await h.ledger.lockHolder(sim.name)).toBeUndefined();
    expect(channels.hits.some((p) => p.startsWith("/github"))).toBe(false);
    return { reply: res.message, posted: textOf(msg).replace(/\\"/g, '"') };
  }

  it.each([
    ["downgrade", "v1.32", /Refused: v1\.32\.9\+rke2r1 would be a downgrade: cp-1 runs v1\.33\.5\+rke2r1/],
    [
      "minor skip",
      "v1.35",
      /Refused: v1\.35\.3\+rke2r1 skips a minor version for cp-1 \(v1\.33\.5\+rke2r1\); upgrade one minor at a time \(v1\.33 → v1\.34\)/,
    ],
    ["minor skip through a named channel", "latest", /skips a minor version/],
    ["unknown channel", "v1.99", /Refused: unknown channel "v1\.99"; known channels include stable, latest/],
    ["unknown named channel", "edge", /unknown channel "edge"/],
    [
      "exact version newer than its channel",
      "v1.34.9+rke2r1",
      /Refused: v1\.34\.9\+rke2r1 is not a known release \(the v1\.34 channel ends at v1\.34\.8\+rke2r1\)/,
    ],
    [
      "exact version of a channel that does not exist",
      "v1.36.0+rke2r1",
      /v1\.36\.0\+rke2r1 is not a known release \(the v1\.36 channel does not exist\)/,
    ],
    ["not a version", "v1.34.2", /is not an RKE2 version/],
  ])("%s (%s) is refused with its reason", { timeout: 60_000 }, async (_what, target, why) => {
    const { reply, posted } = await refused(target);
    expect(reply).toMatch(why);
    expect(posted).toMatch(why);
  });

  it("agents ahead of the servers are refused", { timeout: 60_000 }, async () => {
    resetCluster(sim);
    const { mutateState } = await import("../../rig/fixtures/lib/state.mjs");
    mutateState(`${sim.dir}/cluster`, (s) =>
      Object.assign(s.nodes["agent-1"]!, {
        installedVersion: "v1.33.7+rke2r1",
        runningVersion: "v1.33.7+rke2r1",
      }),
    );
    const { reply } = await refused("v1.34");
    expect(reply).toMatch(
      /agents are ahead of servers \(agent-1 v1\.33\.7\+rke2r1 vs server v1\.33\.5\+rke2r1\)/,
    );
  });

  it("unhealthy etcd on a server is refused at preflight", { timeout: 60_000 }, async () => {
    sim.setKnob("cp-2", "etcd-unhealthy", "1");
    const { reply, posted } = await refused("v1.34");
    expect(reply).toMatch(/cp-2: \/readyz failing: etcd.*etcd is unhealthy/);
    expect(posted).toContain("etcd is unhealthy");
  });

  it("a channel server that cannot be reached is said so", { timeout: 60_000 }, async () => {
    const h2 = await createUpgradeHarness(sim, inject("redisUrl"), {
      channelUrl: "http://127.0.0.1:9/v1-release/channels",
      workers: false,
    });
    try {
      const res = await h2.ops.request("upgrade", sim.name, ["v1.34"], { userId: REQUESTER });
      expect(res.ok).toBe(false);
      expect(res.message).toMatch(
        /cannot reach the release channel server http:\/\/127\.0\.0\.1:9\/v1-release\/channels/,
      );
    } finally {
      await h2.close();
    }
  });

  it(
    "when every node already runs the target it says so and offers nothing",
    { timeout: 60_000 },
    async () => {
      resetCluster(sim, TO);
      const { reply } = await refused("stable");
      expect(reply).toContain(`Every node of ${sim.name} already runs ${TO}: nothing to upgrade`);
    },
  );

  it("nodes already at the target are listed as skipped in the plan", { timeout: 60_000 }, async () => {
    const { mutateState } = await import("../../rig/fixtures/lib/state.mjs");
    mutateState(`${sim.dir}/cluster`, (s) =>
      Object.assign(s.nodes["cp-1"]!, { installedVersion: TO, runningVersion: TO }),
    );
    const res = await h.ops.request("upgrade", sim.name, [TO], { userId: REQUESTER });
    expect(res.ok, res.message).toBe(true);
    const op = await h.op(res.operationId!);
    const plan = textOf(h.chat.latest(op.message!.ts));
    expect(plan).toContain(`cp-1 (server): ${TO}, already at the target — skipped`);
    expect(plan).toContain(`cp-2 (server): ${FROM} → ${TO}`);
    expect(op.phases.find((p) => p.id === "server-roll")!.items.map((i) => i.node)).toEqual(["cp-2"]);
    expect([...buttonsOf(h.chat.latest(op.message!.ts)).keys()]).toEqual(["approve", "reject"]);
    expect((await h.click(op.id, "reject")).ok).toBe(true);
  });
});
