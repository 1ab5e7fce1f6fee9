import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { parseInventory } from "../../../src/config/load-inventory.js";
import {
  createUpgradePlanCommand,
  PLAN_FILENAME,
} from "../../../src/operations/upgrade/upgrade-plan-command.js";
import { SUC_COMMANDS } from "../../../src/rke2/suc-plans.js";
import type { ChatPort } from "../../../src/shared/chat-port.js";
import { systemClock } from "../../../src/shared/clock.js";
import { silentLogger } from "../../../src/shared/logger.js";
import type { ExtraCommandHandler } from "../../../src/slack/listeners/command-deps.js";
import { createSsh2Executor } from "../../../src/ssh/ssh2-executor.js";
import { mutateState } from "../../rig/fixtures/lib/state.mjs";
import { namespacesAvailable, startSimCluster, type SimCluster } from "../../rig/sim-cluster.js";
import { startChannelServer, type ChannelServer } from "./support/channel-server.js";
import { FROM, resetCluster, TO, upgradeInventoryYaml } from "./support/upgrade-harness.js";
import { MUTATING } from "./support/upgrade-log.js";

const avail = namespacesAvailable();

/** A ChatPort that keeps uploads (the handler only uploads). */
function uploadChat() {
  const uploads: Array<{ channel: string; filename: string; content: string; title?: string }> = [];
  const chat: ChatPort = {
    post: async (channel) => ({ channel, ts: "1" }),
    update: async () => undefined,
    postEphemeral: async () => undefined,
    respond: async () => undefined,
    uploadFile: async (channel, file) => void uploads.push({ channel, ...file }),
  };
  return { chat, uploads };
}

describe.skipIf(!avail.ok)("/rke2 upgrade-plan (System Upgrade Controller plans)", () => {
  let sim: SimCluster;
  let channels: ChannelServer;
  let chat: ReturnType<typeof uploadChat>;
  let handler: ExtraCommandHandler<"upgrade-plan">;
  const by = { userId: "UREQUESTER" };

  beforeAll(async () => {
    [sim, channels] = await Promise.all([
      startSimCluster({
        name: "upgplan",
        nodes: [
          { name: "cp-1", role: "server", version: FROM },
          { name: "agent-1", role: "agent", version: FROM },
        ],
      }),
      startChannelServer(),
    ]);
    const inventory = parseInventory(
      upgradeInventoryYaml(sim, { channelUrl: channels.url, operations: { agentConcurrency: 2 } }),
      `${sim.dir}/inv.yaml`,
    );
    chat = uploadChat();
    handler = createUpgradePlanCommand({
      inventory,
      chat: chat.chat,
      executor: createSsh2Executor({ logger: silentLogger, clock: systemClock }),
      clock: systemClock,
      logger: silentLogger,
    });
  });
  afterAll(async () => {
    await sim?.stop();
    await channels?.close();
  });

  const ask = (target: string, cluster = sim.name) =>
    handler({ kind: "upgrade-plan", cluster, target }, { by, responseUrl: "http://127.0.0.1/unused" });

  it("resolves the channel to the exact version, uploads plans that parse, and answers with the apply/watch/clean-up commands", async () => {
    const t0 = Date.now();
    const answer = await ask("v1.34");
    expect(chat.uploads).toHaveLength(1);
    const up = chat.uploads[0]!;
    expect(up).toMatchObject({ channel: "C0SIMOPS", filename: PLAN_FILENAME });
    const docs = parseAllDocuments(up.content).map(
      (d) => d.toJS() as { metadata: { name: string; namespace: string }; spec: Record<string, unknown> },
    );
    expect(docs.map((d) => [d.metadata.name, d.metadata.namespace])).toEqual([
      ["server-plan", "system-upgrade"],
      ["agent-plan", "system-upgrade"],
    ]);
    const [server, agent] = docs as [(typeof docs)[0], (typeof docs)[0]];
    expect(server.spec).toMatchObject({
      version: TO,
      concurrency: 1,
      cordon: true,
      serviceAccountName: "system-upgrade",
      upgrade: { image: "rancher/rke2-upgrade" },
    });
    expect(server.spec.nodeSelector).toEqual({
      matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "In", values: ["true"] }],
    });
    expect((server.spec.tolerations as unknown[]).length).toBe(3);
    expect(agent.spec).toMatchObject({
      version: TO,
      concurrency: 2,
      cordon: true,
      prepare: { image: "rancher/rke2-upgrade", args: ["prepare", "server-plan"] },
    });
    expect(agent.spec.nodeSelector).toEqual({
      matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" }],
    });
    expect(up.content).not.toMatch(/channel:/); // pinned to the exact version, never a channel

    expect(answer.text).toContain(TO);
    expect(answer.text).toContain(`cp-1 ${FROM} → ${TO}`);
    for (const c of [SUC_COMMANDS.apply, SUC_COMMANDS.watch, SUC_COMMANDS.cleanup])
      expect(answer.text).toContain(c);
    expect(sim.commandLog().filter((e) => e.t >= t0 && MUTATING.test(e.argv.join(" ")))).toEqual([]);
    expect(channels.hits.some((p) => p.startsWith("/github"))).toBe(false);
  });

  it.each([
    ["v1.32", /would be a downgrade/],
    ["v1.35", /skips a minor version/],
    ["bogus", /unknown channel "bogus"/],
    ["v1.34.9+rke2r1", /not a known release/],
  ])("refuses %s exactly like /rke2 upgrade, uploading nothing", async (target, why) => {
    chat.uploads.length = 0;
    const answer = await ask(target);
    expect(answer.text).toMatch(why);
    expect(chat.uploads).toEqual([]);
  });

  it("says so when every node already runs the target, and for an unknown cluster", async () => {
    chat.uploads.length = 0;
    mutateState(`${sim.dir}/cluster`, (s) =>
      Object.values(s.nodes).forEach((n) => Object.assign(n, { installedVersion: TO, runningVersion: TO })),
    );
    try {
      expect((await ask("stable")).text).toMatch(/already runs v1\.34\.8\+rke2r1: nothing to upgrade/);
    } finally {
      resetCluster(sim);
    }
    expect((await ask("v1.34", "nope")).text).toMatch(/Unknown cluster `nope`/);
    expect(chat.uploads).toEqual([]);
  });
});
