import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { standardNodes, startSimCluster } from "../../rig/sim-cluster.js";
import { startFakeSlack } from "../../support/fake-slack/index.js";
import { freePort } from "../../support/free-port.js";
import { startBotProcess } from "./bot-process.js";

export interface AckLatency {
  role: string;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Requests sent while the big scan had not answered yet. */
  duringScan: number;
  scanMs: number;
  nodes: number;
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/**
 * Issue 3's benchmark, on the real entry point (`src/main.ts`, ROLE=all by default) in a child
 * process: start a scan of a `nodes`-node simulated cluster with `/rke2 certs`, then send `requests`
 * further signed slash commands (`/rke2 certs <cluster> <node>`: the costliest ack, it also
 * enqueues) one after another and time each HTTP ack. `redisUrl` should name a database of its own.
 */
export async function measureAckLatency(o: {
  redisUrl: string;
  nodes?: number;
  requests?: number;
  role?: string;
}): Promise<AckLatency> {
  const nodes = o.nodes ?? 50;
  const requests = o.requests ?? 200;
  const role = o.role ?? "all";
  const redis = new Redis(o.redisUrl);
  await redis.flushdb();
  const sim = await startSimCluster({ name: "bench", nodes: standardNodes(3, nodes - 3) });
  const fake = await startFakeSlack();
  const path = join(sim.dir, "bench-inventory.yaml");
  // The benchmark times the enqueueing ack, not the per-user refusal (limits.scansPerUserPerMinute).
  writeFileSync(
    path,
    `${sim.inventoryYaml({ channel: "C0BENCH" })}limits: { scansPerUserPerMinute: 100000 }\n`,
  );
  const env = {
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_SIGNING_SECRET: fake.signingSecret,
    SLACK_API_URL: fake.apiUrl,
    REDIS_URL: o.redisUrl,
    RKE2_CHATOPS_CONFIG: path,
    LOG_LEVEL: "warn",
    ROLE: role,
  };
  const bot = await startBotProcess(env, await freePort());
  fake.setBot(`http://127.0.0.1:${bot.port}/slack/events`);
  try {
    const started = performance.now();
    const big = await fake.slashCommand("certs bench", "U0BENCH");
    let scanMs = 0;
    const answered = fake
      .waitForResponses(big.responseUrl, 1, 180_000)
      .then(() => (scanMs = performance.now() - started));
    const times: number[] = [];
    let duringScan = 0;
    for (let i = 0; i < requests; i++) {
      if (scanMs === 0) duringScan++;
      const r = await fake.slashCommand(`certs bench ${sim.nodes[i % sim.nodes.length]!.name}`, "U0BENCH");
      if (r.status !== 200) throw new Error(`ack failed: HTTP ${r.status}`);
      times.push(r.ms);
    }
    await answered;
    const sorted = [...times].sort((a, b) => a - b);
    return {
      role,
      requests,
      p50Ms: pct(sorted, 50),
      p99Ms: pct(sorted, 99),
      maxMs: sorted.at(-1)!,
      duringScan,
      scanMs,
      nodes,
    };
  } finally {
    await bot.terminate();
    await Promise.all([sim.stop(), fake.close()]);
    await redis.flushdb();
    redis.disconnect();
  }
}
