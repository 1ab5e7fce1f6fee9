// `npm run demo`: the real bot against a simulated RKE2 cluster and a local Slack, in one terminal.
// Stops everything on Ctrl-C. See the README, "Try it without Slack".
import { fileURLToPath } from "node:url";
import { parseDemoArgs, USAGE } from "./lib/demo-args.js";
import { DEMO_CHANNEL_NAME, DEMO_CLUSTER } from "./lib/demo-cluster.js";
import type { NodeHostKind } from "../test/rig/sim-cluster.js";
import { checkNodes, checkRedis } from "./lib/prerequisites.js";
import { startDemo, type Demo } from "./lib/start-demo.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const say = (line = "") => process.stdout.write(`${line}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const HOSTS: Record<NodeHostKind, string> = {
  sshd: "sshd",
  ssh2: "ssh2 servers (unprivileged user namespaces)",
};

function printStarted(demo: Demo, wantedPort: number, nodeHost: NodeHostKind): void {
  const { sim, bot, fake } = demo;
  const servers = sim.nodes.filter((n) => n.role === "server").length;
  const sshds = sim.nodes.map((n) => `${n.name}:${n.port}`).join(" ");
  say(`  ✓ Redis           ${demo.redisUrl} (private, in memory)`);
  say(
    `  ✓ cluster         "${DEMO_CLUSTER}": ${servers} servers + ${sim.nodes.length - servers} agents, ${HOSTS[nodeHost]} on ${sshds}`,
  );
  say(`  ✓ local Slack     ${fake.apiUrl} (SLACK_API_URL), channel #${DEMO_CHANNEL_NAME}`);
  say(`  ✓ bot             node dist/main.js (pid ${bot.pid}, port ${bot.port}); log: ${bot.logPath}`);
  say(`  ✓ inventory       ${demo.inventoryPath}`);
  if (demo.wantedPortTaken) say(`  (port ${wantedPort} is taken: the channel view uses another one)`);
  say("");
  say(`  Channel view:  ${demo.url}`);
  say("");
}

function printReport(demo: Demo, t0: number, stopping: () => boolean): void {
  demo.firstReport.then(
    () => {
      say(`  ✓ daily report posted in #${DEMO_CHANNEL_NAME} (${secs(Date.now() - t0)} after start)`);
      say(
        `  Try it: as Alice type /rke2 certs, then /rke2 rotate ${DEMO_CLUSTER}; act as Bob or Carol to approve.`,
      );
      say("  Ctrl-C stops everything.");
    },
    (err: Error) => !stopping() && say(`  ! no daily report yet: ${err.message}; see ${demo.bot.logPath}`),
  );
}

async function main(): Promise<number> {
  const args = parseDemoArgs(process.argv.slice(2));
  if ("help" in args) return (say(USAGE), 0);
  if ("error" in args) return (process.stderr.write(`${args.error}\n${USAGE}\n`), 64);
  const nodes = checkNodes();
  for (const check of [checkRedis(), nodes])
    if (!check.ok) return (process.stderr.write(`rke2-chatops demo: ${check.message}\n`), 69);
  const nodeHost = nodes.ok ? nodes.nodeHost : "sshd";

  const t0 = Date.now();
  let demo: Demo | undefined;
  let stopping: Promise<number> | undefined;
  let firstSignalAt = 0;
  const stop = (code: number): Promise<number> =>
    (stopping ??= (async () => {
      const t = Date.now();
      say("\n  stopping: bot, local Slack, simulated cluster, Redis…");
      for (const f of (await demo?.stop()) ?? []) process.stderr.write(`  could not stop ${f}\n`);
      say(`  stopped in ${secs(Date.now() - t)}`);
      return code;
    })());
  const onSignal = (sig: NodeJS.Signals) => {
    // A second Ctrl-C (not the copy of the first that npm forwards) gives up on the graceful stop.
    if (firstSignalAt && Date.now() - firstSignalAt > 1000) process.exit(130);
    firstSignalAt ||= Date.now();
    if (demo) void stop(sig === "SIGINT" ? 0 : 143).then((c) => process.exit(c));
  };
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, onSignal);

  say("rke2-chatops demo: the real bot, a simulated RKE2 cluster and a local Slack on this machine");
  say(`  starting Redis, 5 simulated nodes (${nodeHost}), the local Slack and the bot…`);
  try {
    demo = await startDemo({
      root: ROOT,
      port: args.port,
      say: (l) => say(`  ${l}`),
      logLevel: args.logLevel,
      nodeHost,
    });
  } catch (err) {
    process.stderr.write(`rke2-chatops demo: could not start: ${(err as Error).message}\n`);
    return 1;
  }
  if (firstSignalAt) return stop(0);
  printStarted(demo, args.port, nodeHost);
  printReport(demo, t0, () => !!stopping);
  const { bot } = demo;
  void bot.exited.then((code) => {
    if (stopping) return;
    process.stderr.write(
      `\nrke2-chatops demo: the bot exited (code ${code}); its last log lines:\n${bot.tail(20)}\n`,
    );
    void stop(1).then((c) => process.exit(c));
  });
  return new Promise<number>(() => undefined); // runs until a signal
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`rke2-chatops demo: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
