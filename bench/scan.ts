/**
 * Scan benchmark: the bot's scan of N simulated nodes (full server or agent certificate sets)
 * beside what an operator does by hand with OpenSSH: a sequential loop, and `xargs -P 10`,
 * both with curve25519-sha256 (the key exchange ssh2 uses) and the same remote read command.
 */
import { execFileSync, execSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readCertFilesCommand } from "../src/rke2/read-cert-files.js";
import { namespacesAvailable, startSimCluster, type SimNodeOptions } from "../test/rig/sim-cluster.js";

const sizes = (process.env.BENCH_SCAN_SIZES ?? "10,50").split(",").map(Number);
const runs = Number(process.env.BENCH_RUNS ?? 3);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = (fn: () => void) => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};

export async function benchScan(): Promise<string[]> {
  const ns = namespacesAvailable();
  if (!ns.ok) return [`scan benchmark skipped: ${ns.reason}`];
  const lines: string[] = [];
  for (const n of sizes) {
    const nodes: SimNodeOptions[] = Array.from({ length: n }, (_, i) =>
      i < Math.ceil(n / 2) ? { name: `cp-${i + 1}`, role: "server" } : { name: `agent-${i + 1}`, role: "agent" },
    );
    const sim = await startSimCluster({ name: "bench", nodes });
    try {
      const inventory = sim.writeInventory();
      const knownHosts = join(sim.dir, "bench_known_hosts");
      writeFileSync(knownHosts, sim.nodes.map((x) => execSync(`ssh-keyscan -t ed25519 -p ${x.port} 127.0.0.1 2>/dev/null`).toString()).join(""));
      const remote = readCertFilesCommand().line;
      const sshArgs = (port: number) => [
        "-i", sim.clientKeyPath, "-p", String(port), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
        "-o", `UserKnownHostsFile=${knownHosts}`, "-o", "KexAlgorithms=curve25519-sha256", "root@127.0.0.1", remote,
      ];
      const bot = [] as Array<{ wallMs: number; cpuMs: number; maxRssMb: number; failed: number; certs: number }>;
      const seq: number[] = [];
      const par: number[] = [];
      for (let r = 0; r < runs; r++) {
        bot.push(JSON.parse(execFileSync("node", ["bench/scan-child.mjs", inventory, "16"], { encoding: "utf8" })));
        seq.push(time(() => sim.nodes.forEach((x) => execFileSync("ssh", sshArgs(x.port), { stdio: ["ignore", "ignore", "ignore"] }))));
        const portsFile = join(sim.dir, "ports");
        writeFileSync(portsFile, sim.nodes.map((x) => x.port).join("\n") + "\n");
        const quoted = sshArgs(0).slice(4).map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
        par.push(time(() => execSync(`xargs -P 10 -I{} ssh -i '${sim.clientKeyPath}' -p {} ${quoted} > /dev/null < '${portsFile}'`, { shell: "/bin/bash" })));
      }
      if (bot.some((b) => b.failed > 0)) throw new Error(`bot scan failed on some nodes: ${JSON.stringify(bot)}`);
      const b = median(bot.map((x) => x.wallMs));
      const s = median(seq);
      const p = median(par);
      const rss = Math.max(...bot.map((x) => x.maxRssMb));
      const cpuPerNode = median(bot.map((x) => x.cpuMs)) / n;
      lines.push(
        `scan N=${n}: bot ${b.toFixed(0)} ms (${((n / b) * 1000).toFixed(1)} nodes/s, ${bot[0]!.certs} certs parsed, peak RSS ${rss.toFixed(0)} MB, bot CPU ${cpuPerNode.toFixed(0)} ms/node incl. start-up) | ` +
          `ssh sequential ${s.toFixed(0)} ms (${((n / s) * 1000).toFixed(1)} nodes/s) | ssh xargs -P 10 ${p.toFixed(0)} ms (${((n / p) * 1000).toFixed(1)} nodes/s) | ` +
          `speed-up vs sequential ${(s / b).toFixed(1)}x, vs parallel OpenSSH ${(p / b).toFixed(2)}x (median of ${runs})`,
      );
    } finally {
      await sim.stop();
    }
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const l of await benchScan()) console.log(l);
}
