import type { Inventory } from "../config/inventory.js";
import { rke2Version } from "../rke2/commands.js";
import { mapLimit } from "../shared/map-limit.js";
import type { SshExecutor } from "../ssh/ssh-executor.js";
import { diagnoseSudo } from "../ssh/sudo-diagnosis.js";
import { EXIT } from "./exit-codes.js";
import type { CliIo } from "./main.js";

/** The inventory parsed (or we would not be here); now try every node, one line each. */
export async function checkConfig(inv: Inventory, executor: SshExecutor, io: CliIo): Promise<number> {
  const nodes = inv.clusters.flatMap((c) => c.nodes);
  io.out(`${inv.source}: valid (${inv.clusters.length} clusters, ${nodes.length} nodes)`);
  const lines = await mapLimit(nodes, 16, async (n) => {
    const label = `${n.cluster}/${n.name} ${n.ssh.user}@${n.ssh.host}:${n.ssh.port}`;
    const started = Date.now();
    try {
      const s = await executor.open(n);
      try {
        const v = await s.run(rke2Version(), { timeoutMs: 15_000 });
        const sudo = diagnoseSudo(n, v);
        if (sudo) return { ok: false, line: `FAIL  ${label}  host key matches, but ${sudo.message}` };
        const version =
          v.code === 0 ? (/rke2 version (\S+)/.exec(v.stdout)?.[1] ?? "unknown version") : "rke2 not found";
        return { ok: true, line: `ok    ${label}  host key matches, ${version}, ${Date.now() - started} ms` };
      } finally {
        await s.close();
      }
    } catch (err) {
      return { ok: false, line: `FAIL  ${label}  ${(err as Error).message}` };
    }
  });
  for (const l of lines) io.out(l.line);
  return lines.every((l) => l.ok) ? EXIT.OK : EXIT.NODE_FAILED;
}
