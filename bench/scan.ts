/**
 * Scan benchmark (issue 16 §2), side by side on one rig of 3 servers + N-3 agents, every command
 * reading the same files (the scan's own remote command):
 * - cold: `rke2-chatops certs --json` (a new process: start-up, connects, parse) vs `xargs -P 10 ssh`
 *   with curve25519-sha256 (the key exchange ssh2 uses);
 * - warm: a second scan in one process within ssh.keepAliveSeconds (pooled connections) vs the same
 *   xargs loop through ControlMaster/ControlPersist masters opened beforehand (what Ansible does);
 *   and a second `/rke2 certs` through the real entry point (ROLE=all), request to answer;
 * - CPU per node (all threads of the bot; all ssh clients of a loop) and peak RSS.
 * Whole-process figures come from GNU time (`/usr/bin/time`); runs alternate, medians are printed.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readCertFilesCommand } from "../src/rke2/read-cert-files.js";
import { namespacesAvailable, startSimCluster, standardNodes } from "../test/rig/sim-cluster.js";
import { scanThroughEntryPoint } from "./support/entry-point-scan.js";

const sizes = (process.env.BENCH_SCAN_SIZES ?? "50").split(",").map(Number);
const runs = Number(process.env.BENCH_RUNS ?? 5);
/** Warm requests through the entry point (each paired with a loop run): more than `runs`, the spread is wider. */
const entryRuns = Number(process.env.BENCH_ENTRY_RUNS ?? 11);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const q = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;

interface Usage {
  wallMs: number;
  cpuMs: number;
  rssMb: number;
  stdout: string;
}

/** Run under GNU time: wall, user+sys of the process and every child it reaped, largest RSS. */
function timed(argv: string[]): Usage {
  const r = spawnSync("/usr/bin/time", ["-f", "@@%e %U %S %M", ...argv], {
    encoding: "utf8",
    maxBuffer: 256 << 20,
  });
  const m = /@@(\S+) (\S+) (\S+) (\d+)\s*$/.exec(r.stderr);
  if (!m || (r.status ?? 99) > 2)
    throw new Error(`${argv.join(" ")} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { wallMs: +m[1]! * 1000, cpuMs: (+m[2]! + +m[3]!) * 1000, rssMb: +m[4]! / 1024, stdout: r.stdout };
}

const fmt = (u: { wallMs: number; cpuMs: number }, n: number) =>
  `${u.wallMs.toFixed(0)} ms wall, ${u.cpuMs.toFixed(0)} ms CPU (${(u.cpuMs / n).toFixed(1)} ms/node)`;

export async function benchScan(): Promise<string[]> {
  const ns = namespacesAvailable();
  if (!ns.ok) return [`scan benchmark skipped: ${ns.reason}`];
  const lines: string[] = [];
  for (const n of sizes) {
    const sim = await startSimCluster({ name: "bench", nodes: standardNodes(3, n - 3) });
    try {
      const inventory = sim.writeInventory();
      const portsFile = join(sim.dir, "ports");
      writeFileSync(portsFile, sim.nodes.map((x) => x.port).join("\n") + "\n");
      const cm = join(sim.dir, "cm-%p");
      const opts = [
        "-i",
        sim.clientKeyPath,
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        `UserKnownHostsFile=${sim.knownHostsPath}`,
        "-o",
        "KexAlgorithms=curve25519-sha256",
      ];
      const muxOpts = [
        ...opts,
        "-o",
        "ControlMaster=auto",
        "-o",
        `ControlPath=${cm}`,
        "-o",
        "ControlPersist=600",
      ];
      const loop = (o: string[]) => [
        "bash",
        "-c",
        `xargs -P 10 -I{} ssh ${o.map(q).join(" ")} -p {} root@127.0.0.1 ${q(readCertFilesCommand().line)} > /dev/null < ${q(portsFile)}`,
      ];
      // Warm masters first: one connection per node that stays up (ControlPersist) for every later loop.
      for (const x of sim.nodes)
        execFileSync("ssh", [...muxOpts, "-p", String(x.port), "root@127.0.0.1", "true"]);
      const bot: Usage[] = [];
      const par: Usage[] = [];
      const warmLoop: Usage[] = [];
      const child: Array<{
        cold: { wallMs: number; cpuMs: number };
        warm: { wallMs: number; cpuMs: number };
        maxRssMb: number;
        openAfterCold: number;
      }> = [];
      let certs = 0;
      for (let r = 0; r < runs; r++) {
        const b = timed(["node", "bin/rke2-chatops.js", "certs", "--json", "--config", inventory]);
        const out = JSON.parse(b.stdout) as {
          clusters: Array<{ nodes: Array<{ ok: boolean; certificates?: unknown[] }> }>;
        };
        const nodes = out.clusters.flatMap((c) => c.nodes);
        if (nodes.some((x) => !x.ok)) throw new Error("bot scan failed on some nodes");
        certs = nodes.reduce((a, x) => a + (x.certificates?.length ?? 0), 0);
        bot.push(b);
        par.push(timed(loop(opts)));
        child.push(JSON.parse(timed(["node", "bench/scan-child.mjs", inventory]).stdout));
        warmLoop.push(timed(loop(muxOpts)));
      }
      // Side by side: a warm loop run before each warm request through the entry point.
      const entryLoop: Usage[] = [];
      const entry = await scanThroughEntryPoint(sim, entryRuns, () => entryLoop.push(timed(loop(muxOpts))));
      for (const x of sim.nodes)
        spawnSync("ssh", [...muxOpts, "-O", "exit", "-p", String(x.port), "root@127.0.0.1"], {
          stdio: "ignore",
        });
      const m = (xs: Usage[]) => ({
        wallMs: median(xs.map((x) => x.wallMs)),
        cpuMs: median(xs.map((x) => x.cpuMs)),
      });
      const cold = m(bot);
      const p = m(par);
      const wl = m(warmLoop);
      const pooled = child.every((c) => c.openAfterCold >= n);
      const warm = {
        wallMs: median(child.map((c) => c.warm.wallMs)),
        cpuMs: median(child.map((c) => c.warm.cpuMs)),
      };
      const inProc = {
        wallMs: median(child.map((c) => c.cold.wallMs)),
        cpuMs: median(child.map((c) => c.cold.cpuMs)),
      };
      lines.push(
        `scan N=${n} (3 servers + ${n - 3} agents, ${certs} certificates, median of ${runs}):`,
        `  cold  bot \`certs --json\` (new process)        ${fmt(cold, n)}, peak RSS ${Math.max(...bot.map((x) => x.rssMb)).toFixed(0)} MB`,
        `        xargs -P 10 ssh (curve25519)             ${fmt(p, n)}, peak RSS ${Math.max(...par.map((x) => x.rssMb)).toFixed(0)} MB (largest ssh client)`,
        `        ratio: bot ${(p.wallMs / cold.wallMs).toFixed(2)}x faster in wall time (target >= 1.2x), CPU bot/ssh ${(cold.cpuMs / p.cpuMs).toFixed(2)} (target <= 1)`,
        `        (of the bot's cold CPU, the scan itself in one process: ${fmt(inProc, n)}; the rest is node start-up and module loading)`,
        pooled
          ? `  warm  bot second scan, pooled connections   ${fmt(warm, n)}, peak RSS ${Math.max(...child.map((c) => c.maxRssMb)).toFixed(0)} MB`
          : "  warm: pool not available",
        `        xargs -P 10 ssh, warm ControlMaster      ${fmt(wl, n)} (mux clients only; the masters' CPU is not counted)`,
        pooled
          ? `        ratio: bot ${(wl.wallMs / warm.wallMs).toFixed(2)}x faster in wall time (target >= 2x), CPU bot/ssh ${(warm.cpuMs / wl.cpuMs).toFixed(2)}`
          : "",
        `  warm  \`/rke2 certs ${sim.name}\` through the entry point (ROLE=all; signed request to the answer at the response_url), ${entryRuns} times, each after a warm ControlMaster loop run:`,
        `        first ${entry.coldMs.toFixed(0)} ms (opens the connections), then median ${median(entry.warmMs).toFixed(0)} ms (${entry.warmMs.map((x) => x.toFixed(0)).join(", ")})`,
        `        the loop runs in between: median ${m(entryLoop).wallMs.toFixed(0)} ms (${entryLoop.map((x) => x.wallMs.toFixed(0)).join(", ")})`,
        `        ratio: ${(m(entryLoop).wallMs / median(entry.warmMs)).toFixed(2)}x faster than the warm ControlMaster loop (target >= 2x); answer: "${entry.summary}"`,
      );
    } finally {
      await sim.stop();
    }
  }
  return lines.filter((l) => l !== "");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const l of await benchScan()) console.log(l);
}
