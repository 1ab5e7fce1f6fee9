/**
 * Demo start-up benchmark: from `npm run demo` to the daily report being visible in the channel view
 * (Redis, 5 simulated nodes, the local Slack, the real bot, one report firing and its scan). The bot
 * is built first, so the figure is what a user sees on the second and later starts. Target: < 15 s.
 */
import { fileURLToPath } from "node:url";
import { buildBot, buildNeeded } from "../demo/lib/build-bot.js";
import { DEMO_CHANNEL } from "../demo/lib/demo-cluster.js";
import { checkNodes, checkRedis } from "../demo/lib/prerequisites.js";
import { startDemoProcess } from "../test/demo/support/demo-process.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 3);
const TARGET_MS = 15_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function reportVisible(url: string): Promise<boolean> {
  const view = await fetch(`${url}_fake/channels/${DEMO_CHANNEL}`).then(
    (r) => (r.ok ? (r.json() as Promise<{ messages: Array<{ text: string }> }>) : undefined),
    () => undefined,
  );
  return !!view?.messages.some((m) => m.text.includes("Certificate expiry report"));
}

async function oneRun(): Promise<{ totalMs: number; viewMs: number; stopMs: number }> {
  const t0 = performance.now();
  const demo = startDemoProcess(["--port", "0"]);
  try {
    const url = (await demo.waitForOutput(/Channel view:\s+(http:\/\/127\.0\.0\.1:\d+\/)/, 60_000))[1]!;
    const viewMs = performance.now() - t0;
    const deadline = Date.now() + 60_000;
    while (!(await reportVisible(url))) {
      if (Date.now() > deadline) throw new Error(`no report within 60 s:\n${demo.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const totalMs = performance.now() - t0;
    const stopped = await demo.interrupt();
    return { totalMs, viewMs, stopMs: stopped.ms };
  } finally {
    await demo.interrupt();
  }
}

async function main(): Promise<void> {
  for (const check of [checkRedis(), checkNodes()])
    if (!check.ok) return console.log(`demo start-up benchmark skipped: ${check.message}`);
  if (buildNeeded(ROOT)) {
    const built = await buildBot(ROOT);
    if (!built.ok)
      console.log(`(build reported errors; timing dist/ as it is)\n${built.output.slice(0, 500)}`);
  }
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await oneRun());
  const total = median(results.map((r) => r.totalMs));
  console.log(
    `demo start-up (npm run demo → daily report in the channel view), ${runs} runs: ` +
      results.map((r) => secs(r.totalMs)).join(", "),
  );
  console.log(
    `  median ${secs(total)} (target < ${secs(TARGET_MS)}): ${total < TARGET_MS ? "ok" : "OVER TARGET"}`,
  );
  console.log(`  channel view up after ${secs(median(results.map((r) => r.viewMs)))} (median)`);
  console.log(`  Ctrl-C to everything stopped: ${secs(median(results.map((r) => r.stopMs)))} (median)`);
}

await main();
