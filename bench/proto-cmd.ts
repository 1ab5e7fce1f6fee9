import { execFileSync } from "node:child_process";
import { readCertFilesCommand } from "../src/rke2/read-cert-files.js";
import { startSimCluster, standardNodes } from "../test/rig/sim-cluster.js";
const alt = process.env.ALT_CMD_FILE ? (await import("node:fs")).readFileSync(process.env.ALT_CMD_FILE, "utf8") : undefined;
const sim = await startSimCluster({ name: "p", nodes: standardNodes(1, 1) });
try {
  const cm = `${sim.dir}/cm-%p`;
  const o = ["-i", sim.clientKeyPath, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${sim.knownHostsPath}`, "-o", "ControlMaster=auto", "-o", `ControlPath=${cm}`, "-o", "ControlPersist=60"];
  for (const n of sim.nodes) {
    execFileSync("ssh", [...o, "-p", String(n.port), "root@127.0.0.1", "true"]);
    for (const [label, line] of [["current", readCertFilesCommand().line], ["true", "true"], ...(alt ? [["alt", alt]] : [])] as const) {
      const out = execFileSync("ssh", [...o, "-p", String(n.port), "root@127.0.0.1", line]).toString();
      const t = performance.now();
      for (let i = 0; i < 30; i++) execFileSync("ssh", [...o, "-p", String(n.port), "root@127.0.0.1", line]);
      console.log(n.role, label, ((performance.now() - t) / 30).toFixed(1), "ms/exec", out.length, "bytes");
      if (process.env.DUMP) (await import("node:fs")).writeFileSync(`/tmp/proto/${n.role}-${label}.out`, out);
    }
    execFileSync("ssh", [...o, "-O", "exit", "-p", String(n.port), "root@127.0.0.1"], { stdio: "ignore" });
  }
} finally { await sim.stop(); }
