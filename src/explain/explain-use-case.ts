import type { CertRecord } from "../certs/cert-types.js";
import { scanInventory } from "../scan/scan-inventory.js";
import type { ClusterSpec, Inventory, NodeSpec } from "../config/inventory.js";
import { explainError, type KnownError } from "../rke2/explain-error.js";
import { listTlsBackupsCommand, parseTlsBackups, type TlsBackup } from "../rke2/list-tls-backups.js";
import type { Clock } from "../shared/clock.js";
import type { SshExecutor } from "../ssh/ssh-executor.js";

export interface ExplainDeps {
  inventory: Inventory;
  executor: SshExecutor;
  clock: Clock;
}

export interface LiveFacts {
  cluster: string;
  node?: string;
  /** Problem certificates found now (expired, not yet valid, unreadable, critical). */
  problems: CertRecord[];
  backups: Array<{ node: string; backups: TlsBackup[] }>;
  unreachable: Array<{ node: string; message: string }>;
}

export type ExplainAnswer = { recognised: false } | { recognised: true; error: KnownError; live?: LiveFacts };

const word = (name: string) => new RegExp(`(^|[^a-z0-9.-])${name.replace(/[.]/g, "\\.")}($|[^a-z0-9-])`, "i");

/** The cluster (and node) the pasted text names, if any: inventory names found as whole words. */
export function findNamedTarget(
  inv: Inventory,
  text: string,
): { cluster: ClusterSpec; node?: NodeSpec } | undefined {
  for (const c of inv.clusters) {
    const node = c.nodes.find((n) => word(n.name).test(text));
    if (node) return { cluster: c, node };
  }
  const cluster = inv.clusters.find((c) => word(c.name).test(text));
  return cluster ? { cluster } : undefined;
}

const URGENT = new Set(["expired", "not-yet-valid", "unreadable", "critical", "san-mismatch"]);

/** Recognise the error; when it names a cluster or node and facts help, read them live. */
export async function explain(text: string, deps: ExplainDeps): Promise<ExplainAnswer> {
  const error = explainError(text);
  if (!error) return { recognised: false };
  const target = findNamedTarget(deps.inventory, text);
  if (!target || !error.wantsScan) return { recognised: true, error };
  const [scan] = await scanInventory(
    deps.inventory,
    { executor: deps.executor, clock: deps.clock },
    {
      cluster: target.cluster.name,
      node: target.node?.name,
    },
  );
  const nodes = scan?.nodes ?? [];
  const problems = nodes.flatMap((n) => (n.ok ? n.certs.filter((c) => URGENT.has(c.status)) : []));
  const unreachable = nodes.flatMap((n) => (n.ok ? [] : [{ node: n.node, message: n.error.message }]));
  const backupNodes = target.node ? [target.node] : target.cluster.nodes.filter((n) => n.role === "server");
  const backups = await Promise.all(
    backupNodes.map(async (n) => {
      try {
        const s = await deps.executor.open(n);
        try {
          return {
            node: n.name,
            backups: parseTlsBackups((await s.run(listTlsBackupsCommand(), { timeoutMs: 15_000 })).stdout),
          };
        } finally {
          await s.close();
        }
      } catch {
        return { node: n.name, backups: [] };
      }
    }),
  );
  return {
    recognised: true,
    error,
    live: { cluster: target.cluster.name, node: target.node?.name, problems, backups, unreachable },
  };
}
