import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type { SimCluster } from "../../test/rig/sim-cluster.js";
import type { startFakeSlack } from "../../test/support/fake-slack/index.js";
import { freePort } from "../../test/support/free-port.js";
import { startMainProcess, type MainProcess } from "../../test/support/main-process.js";

export interface DeploymentBudget {
  roles: string[];
  /** Resident memory of each process once healthy and settled, before any request. */
  idleRssMb: number[];
  /** Peak resident memory of each process (VmHWM) after the scan and the acks. */
  peakRssMb: number[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  /** Acks sent and answered while a full scan ran: the ones the percentiles are taken over. */
  duringScan: number;
  scanMs: number;
}

/** What a benchmark's `node dist/main.js` runs with: the local Slack, its Redis, the rig's inventory. */
export function benchBotEnv(
  fake: Awaited<ReturnType<typeof startFakeSlack>>,
  redisUrl: string,
  inventoryPath: string,
): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_SIGNING_SECRET: fake.signingSecret,
    SLACK_API_URL: fake.apiUrl,
    REDIS_URL: redisUrl,
    RKE2_CHATOPS_CONFIG: inventoryPath,
    LOG_LEVEL: "warn",
  };
}

const rssMb = (pid: number, field: "VmRSS" | "VmHWM") => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
};
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

type Ack = { startedAt: number; endedAt: number; ms: number; status: number };

/** bench/support/ack-sender.ts in a process of its own: the acks' timings. */
async function sendFromOwnProcess(input: unknown): Promise<Ack[]> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", new URL("./ack-sender.ts", import.meta.url).pathname],
    {
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const done = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.stdin.end(JSON.stringify(input));
  const code = await done;
  if (code !== 0) throw new Error(`ack sender exited with ${code}`);
  return JSON.parse(out) as Ack[];
}

/**
 * Issue 16 §4 on the built entry point (`node dist/main.js`, what `npm start` runs): one process per
 * role given (["all"], or ["web", "worker"] sharing one Redis); RSS idle, then scans of every node
 * of `sim` with `/rke2 certs <cluster>` while `requests` further signed `/rke2 certs <cluster> <node>`
 * are sent one after another to the web process and each HTTP ack is timed; then the peak RSS.
 */
export async function measureDeployment(o: {
  roles: string[];
  sim: SimCluster;
  inventoryPath: string;
  fake: Awaited<ReturnType<typeof startFakeSlack>>;
  redisUrl: string;
  requests: number;
}): Promise<DeploymentBudget> {
  const env = benchBotEnv(o.fake, o.redisUrl, o.inventoryPath);
  const procs: MainProcess[] = [];
  try {
    for (const role of o.roles) procs.push(await startMainProcess({ ...env, ROLE: role }, await freePort()));
    // A benchmark's settle time, not an assertion: let start-up garbage be collected before reading RSS.
    await new Promise((r) => setTimeout(r, 3000));
    const idleRssMb = procs.map((p) => rssMb(p.pid, "VmRSS"));
    o.fake.setBot(`http://127.0.0.1:${procs[0]!.port}/slack/events`);
    // A 200-node scan runs for the whole measurement: when one answers, the next starts (each from
    // its own user, so the per-user budget never refuses it). Each timed request comes from a user
    // of its own too, so every ack takes the full admission path (budget, join or register, queue).
    let stop = false;
    let scanMs = 0;
    const scanning: Array<[number, number]> = [];
    const scans = (async () => {
      for (let k = 0; !stop; k++) {
        const started = Date.now();
        const big = await o.fake.slashCommand(`certs ${o.sim.name}`, `U0BIG${k}`);
        await o.fake.waitForResponses(big.responseUrl, 1, 600_000);
        scanning.push([started, Date.now()]);
        if (k === 0) scanMs = Date.now() - started;
      }
    })();
    const channel = "C0OPS";
    const requests = Array.from({ length: o.requests }, (_, i) => ({
      text: `certs ${o.sim.name} ${o.sim.nodes[i % o.sim.nodes.length]!.name}`,
      user: `U0REQ${i}`,
      channel,
      responseUrl: o.fake.newResponseUrl(channel, `U0REQ${i}`),
    }));
    const acks = await sendFromOwnProcess({
      target: {
        eventsUrl: `http://127.0.0.1:${procs[0]!.port}/slack/events`,
        signingSecret: o.fake.signingSecret,
        teamId: o.fake.teamId,
      },
      requests,
    });
    stop = true;
    await scans;
    for (const a of acks) if (a.status !== 200) throw new Error(`ack failed: HTTP ${a.status}`);
    // Only acks sent and answered inside one scan count.
    const inScan = acks.filter((a) => scanning.some(([s, e]) => a.startedAt >= s && a.endedAt <= e));
    const times = inScan.map((a) => a.ms);
    const duringScan = inScan.length;
    const peakRssMb = procs.map((p) => rssMb(p.pid, "VmHWM"));
    const sorted = [...times].sort((a, b) => a - b);
    return {
      roles: o.roles,
      idleRssMb,
      peakRssMb,
      p50Ms: pct(sorted, 50),
      p99Ms: pct(sorted, 99),
      maxMs: sorted.at(-1)!,
      requests: o.requests,
      duringScan,
      scanMs,
    };
  } finally {
    for (const p of procs.reverse()) await p.terminate();
  }
}
