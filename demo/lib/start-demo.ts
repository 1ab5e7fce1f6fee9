// Starts everything `npm run demo` shows, in parallel where it can: Redis, the simulated cluster, the
// local Slack with the channel view, then the real bot pointed at them, and one daily report firing.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimCluster, type NodeHostKind, type SimCluster } from "../../test/rig/sim-cluster.js";
import { startFakeSlack, type FakeMessage, type FakeSlack } from "../../test/support/fake-slack/index.js";
import { freePort } from "../../test/support/free-port.js";
import { startBotProcess, type BotProcess } from "./bot-process.js";
import { buildBot, buildNeeded } from "./build-bot.js";
import { channelRoutes } from "./channel-routes.js";
import { CleanupStack } from "./cleanup-stack.js";
import { DEMO_CHANNEL, DEMO_CHANNEL_NAME, DEMO_CLUSTER, DEMO_NODES } from "./demo-cluster.js";
import { writeDemoInventory } from "./demo-inventory.js";
import { choosePort } from "./listen-port.js";
import { createModelEvents, type ModelEvents } from "./model-events.js";
import { startDemoRedis } from "./start-redis.js";
import { triggerDailyReport } from "./trigger-report.js";

export interface DemoOptions {
  /** The repository root (where dist/ and src/ are). */
  root: string;
  /** Port of the channel view; 0 = any free one. Taken ports fall back to a free one. */
  port: number;
  /** Progress lines for the terminal. */
  say: (line: string) => void;
  logLevel?: string;
  /** "sshd" (root: OpenSSH per node) or "ssh2" (ssh2 servers, `unshare -rm` namespaces); see prerequisites.ts */
  nodeHost?: NodeHostKind;
}

export interface Demo {
  url: string;
  redisUrl: string;
  wantedPortTaken: boolean;
  dir: string;
  inventoryPath: string;
  bot: BotProcess;
  sim: SimCluster;
  fake: FakeSlack;
  /** Resolves with the daily report's top-level message once it is posted. */
  firstReport: Promise<FakeMessage>;
  stop(): Promise<string[]>;
}

export const isDailyReport = (m: FakeMessage) =>
  m.channel === DEMO_CHANNEL && !m.threadTs && m.text.includes("Certificate expiry report");

export async function startDemo(o: DemoOptions): Promise<Demo> {
  const cleanup = new CleanupStack();
  try {
    const dir = mkdtempSync(join(tmpdir(), "rke2-chatops-demo-"));
    cleanup.push("temp dir", () => rmSync(dir, { recursive: true, force: true }));
    const stale = buildNeeded(o.root);
    if (stale) o.say(`building the bot (dist/ is ${stale}): tsc -p tsconfig.build.json`);
    const build = stale ? buildBot(o.root) : Promise.resolve({ ok: true, output: "" });

    // The routes are created before the servers they read from: they look them up when called.
    const live: { fake?: FakeSlack; events?: ModelEvents; sim?: SimCluster } = {};
    const routes = channelRoutes(
      () => live.fake!,
      () => live.events!,
      {
        channel: DEMO_CHANNEL,
        channelName: DEMO_CHANNEL_NAME,
        cluster: DEMO_CLUSTER,
        nodes: () =>
          live.sim?.nodes.map((n) => ({ name: n.name, role: n.role, ...live.sim!.nodeState(n.name) })) ?? [],
      },
    );
    const port = await choosePort(o.port);
    const started = await Promise.allSettled([
      startDemoRedis().then(async (r) => {
        cleanup.push("Redis", () => r.stop());
        await triggerDailyReport(r.url);
        return r;
      }),
      startSimCluster({ name: DEMO_CLUSTER, nodes: DEMO_NODES, nodeHost: o.nodeHost }).then((s) => {
        cleanup.push("simulated cluster", () => s.stop());
        return s;
      }),
      startFakeSlack({
        port,
        extraRoutes: routes,
        signingSecret: randomBytes(16).toString("hex"),
        botToken: `xoxb-demo-${randomBytes(12).toString("hex")}`,
      }).then((f) => {
        cleanup.push("local Slack", () => f.close());
        return f;
      }),
    ]);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    const [redis, sim, fake] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
      Awaited<ReturnType<typeof startDemoRedis>>,
      SimCluster,
      FakeSlack,
    ];
    const events = createModelEvents(fake.model);
    Object.assign(live, { sim, fake, events });
    cleanup.push("change events", () => events.close());
    fake.model.addChannel(DEMO_CHANNEL, DEMO_CHANNEL_NAME);
    const firstReport = fake.model.waitFor(isDailyReport, 120_000);
    firstReport.catch(() => undefined);

    const inventoryPath = writeDemoInventory(sim, join(dir, "rke2-chatops.yaml"));
    const built = await build;
    if (!built.ok && !existsSync(join(o.root, "dist", "main.js")))
      throw new Error(`the bot does not build:\n${built.output.trim()}`);
    if (!built.ok)
      o.say(
        `! the build reported errors; starting dist/ as it is:\n${built.output.trim().split("\n").slice(0, 5).join("\n")}`,
      );
    const botPort = await freePort();
    const bot = await startBotProcess(
      o.root,
      {
        SLACK_API_URL: fake.apiUrl,
        SLACK_BOT_TOKEN: fake.botToken,
        SLACK_SIGNING_SECRET: fake.signingSecret,
        REDIS_URL: redis.url,
        PORT: String(botPort),
        RKE2_CHATOPS_CONFIG: inventoryPath,
        LOG_LEVEL: o.logLevel ?? "info",
      },
      join(dir, "bot.log"),
    );
    cleanup.push("bot", () => bot.stop());
    fake.setBot(`http://127.0.0.1:${bot.port}/slack/events`);
    return {
      url: fake.url,
      redisUrl: redis.url,
      wantedPortTaken: o.port !== 0 && port === 0,
      dir,
      inventoryPath,
      bot,
      sim,
      fake,
      firstReport,
      stop: () => cleanup.run(),
    };
  } catch (err) {
    await cleanup.run();
    throw err;
  }
}
