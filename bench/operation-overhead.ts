// Orchestration overhead of the rotation engine (issue 4, "Performance").
//   npx tsx bench/operation-overhead.ts [slow-ms=1000]
// Every fixture call on every simulated node takes a fixed extra `slow-ms` (rig knob). The server
// roll and the agent phase are timed from the approving click to the phase's completion in the
// ledger, and divided by the time the nodes spent inside the commands those steps ran (the rig's
// command log: start → end of each fixture call). What is left is the engine: Redis commits,
// BullMQ delivery, SSH round trips and session setup, certificate reads, polling gaps, chat.
import { Redis } from "ioredis";
import { parse, stringify } from "yaml";
import { parseInventory } from "../src/config/load-inventory.js";
import type { OpRecord } from "../src/operations/engine/records.js";
import { createOperations } from "../src/main/create-operations.js";
import { systemClock } from "../src/shared/clock.js";
import { silentLogger } from "../src/shared/logger.js";
import { executorLimits } from "../src/config/ssh-pool-settings.js";
import { createSsh2Executor } from "../src/ssh/ssh2-executor.js";
import type { SshExecutor } from "../src/ssh/ssh-executor.js";
import { namespacesAvailable, standardNodes, startSimCluster } from "../test/rig/sim-cluster.js";
import { buttonsOf, RecordingChat } from "../test/operations/support/recording-chat.js";
import { startRedis } from "../test/support/redis-server.js";

const slowMs = Number(process.argv[2] ?? 1000);
const avail = namespacesAvailable();
if (!avail.ok) {
  console.error(`cannot run: ${avail.reason}`);
  process.exit(2);
}

/** Every remote command as the engine saw it: from issuing it over SSH to its exit. */
const observed: Array<{ t: number; tEnd: number; line: string }> = [];
function timed(inner: SshExecutor): SshExecutor {
  return {
    async open(node, o) {
      const s = await inner.open(node, o);
      return {
        node: s.node,
        close: () => s.close(),
        async run(cmd, ro) {
          const t = Date.now();
          try {
            return await s.run(cmd, ro);
          } finally {
            observed.push({ t, tEnd: Date.now(), line: cmd.line });
          }
        },
      };
    },
  };
}

/** Total length of the union of [t, tEnd] intervals (commands may overlap only across nodes). */
function busy(entries: Array<{ t: number; tEnd?: number }>): number {
  const iv = entries
    .filter((e) => e.tEnd !== undefined)
    .map((e) => [e.t, e.tEnd!] as const)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [s, e] = [-Infinity, -Infinity];
  for (const [a, b] of iv) {
    if (a > e) {
      if (e > s) total += e - s;
      [s, e] = [a, b];
    } else e = Math.max(e, b);
  }
  return total + (e > s ? e - s : 0);
}

const MINIMAL =
  /^(systemctl (stop|start|restart) rke2-(server|agent)|rke2 certificate (rotate|check)|kubectl .*get (nodes|--raw))/;

const redisSrv = await startRedis();
const sim = await startSimCluster({ name: "bench", nodes: standardNodes(3, 2) });
const redis = new Redis(redisSrv.url, { maxRetriesPerRequest: null });
try {
  const doc = parse(
    sim.inventoryYaml({
      approvers: ["UA1", "UA2"],
      operations: { agentRenewalGraceSeconds: 0, nodeReadyTimeoutSeconds: 60, pollIntervalSeconds: 0.2 },
    }),
  ) as Record<string, unknown>;
  const inventory = parseInventory(stringify(doc), `${sim.dir}/rke2-chatops.yaml`);
  const chat = new RecordingChat();
  const ops = createOperations({
    inventory,
    redis,
    chat,
    clock: systemClock,
    logger: silentLogger,
    prefix: "bench",
    // Built as the bot builds it (start-bot.ts): the inventory's SSH limits and warm connections.
    executor: timed(createSsh2Executor({ logger: silentLogger, ...executorLimits(inventory) })),
  });
  await ops.startWorkers();
  for (const n of sim.nodes) sim.setKnob(n.name, "slow-ms", String(slowMs));

  const get = async (id: string) => JSON.parse((await redis.hget(`{bench}:op:${id}`, "json"))!) as OpRecord;
  const waitFor = async (id: string, pred: (o: OpRecord) => boolean) => {
    for (;;) {
      const o = await get(id);
      if (pred(o)) return o;
      if (o.status === "halted" || (o.finishedAt && o.status !== "completed"))
        throw new Error(`${id} ${o.status}: ${JSON.stringify(o.failure)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const approve = async (id: string, by: string) => {
    for (;;) {
      const o = await get(id);
      const b = buttonsOf(chat.latest(o.message!.ts)).get("approve");
      if (b && b.token === o.gate?.token) {
        const t = Date.now();
        const r = await ops.decide(id, "approve", b.token, { userId: by });
        if (!r.ok) throw new Error(r.message);
        return t;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  const req = await ops.request("rotate", sim.name, [], { userId: "UREQ" });
  if (!req.ok) throw new Error(req.message);
  const id = req.operationId!;
  await approve(id, "UA1");
  await waitFor(id, (o) => o.status === "awaiting-approval" && o.phase === 1);
  const roll0 = await approve(id, "UA2");
  const rolled = await waitFor(id, (o) => o.status === "awaiting-approval" && o.phase === 2);
  const roll1 = Date.parse(rolled.phaseTimes[1]!.completedAt!);
  const agents0 = await approve(id, "UA1");
  const done = await waitFor(id, (o) => o.status === "completed");
  const agents1 = Date.parse(done.phaseTimes[2]!.completedAt!);

  const log = sim.commandLog();
  const inWindow = (e: { t: number }) => (e.t >= roll0 && e.t <= roll1) || (e.t >= agents0 && e.t <= agents1);
  const ran = log.filter(inWindow);
  const seen = observed.filter(inWindow);
  const wall = roll1 - roll0 + (agents1 - agents0);
  const remote = busy(seen);
  const fixtures = busy(ran);
  const minimal = busy(ran.filter((e) => MINIMAL.test(e.argv.join(" "))));
  const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `slow-ms ${slowMs}: server roll ${fmt(roll1 - roll0)} + agent phase ${fmt(agents1 - agents0)} = ${fmt(wall)} wall (from each approving click)`,
  );
  console.log(
    `  ${seen.length} remote commands, ${ran.length} of them simulated RKE2 tools (rke2, systemctl, kubectl)`,
  );
  console.log(
    `  time in the steps' remote commands, as the engine observes them (SSH exec to exit): ${fmt(remote)}`,
  );
  console.log(
    `  time inside the simulated tools only (rig command log): ${fmt(fixtures)}; the bare procedure alone: ${fmt(minimal)}`,
  );
  console.log(`overhead ratio = wall / remote step time = ${(wall / remote).toFixed(3)}  (target < 1.10)`);
  console.log(
    `  stricter: wall / simulated-tool time = ${(wall / fixtures).toFixed(3)} (also charges SSH transport, the rig's process start-up and`,
  );
  console.log(
    `  certificate reads to the engine); wall / bare procedure = ${(wall / minimal).toFixed(3)} (also charges every safety read)`,
  );
  if (process.env.BENCH_GAPS) {
    const seq = [...seen].sort((a, b) => a.t - b.t);
    let prev = roll0;
    for (const c of seq) {
      if (c.t - prev > 40) console.log(`gap ${c.t - prev} ms before: ${c.line.slice(0, 90)}`);
      prev = Math.max(prev, c.tEnd);
    }
  }
  await ops.close();
} finally {
  await redis.quit();
  await sim.stop();
  await redisSrv.stop();
}
