import type { ClusterSpec, Inventory, NodeSpec } from "../config/inventory.js";
import { certificateCheckTable } from "../rke2/commands.js";
import { parseCheckTable } from "../rke2/parse-check-table.js";
import type { Clock } from "../shared/clock.js";
import { silentLogger, type Logger } from "../shared/logger.js";
import { mapLimit } from "../shared/map-limit.js";
import { sshPoolSettings } from "../config/ssh-pool-settings.js";
import type { SshExecutor } from "../ssh/ssh-executor.js";
import type { ClusterScan, NodeScan, NodeScanOk } from "../certs/cert-types.js";
import { readNodeCerts } from "../rke2/read-node-certs.js";

export interface ScanDeps {
  executor: SshExecutor;
  clock: Clock;
  logger?: Logger;
}

export interface ScanOptions {
  cluster?: string;
  node?: string;
  /** Nodes scanned at once (default 16). */
  concurrency?: number;
  /** Also run `rke2 certificate check --output table` and attach its rows. */
  crossCheck?: boolean;
  signal?: AbortSignal;
}

export type ScanTarget = { ok: true; clusters: ClusterSpec[] } | { ok: false; message: string };

/** Which clusters/nodes a request names; unknown names get a message listing the valid ones. */
export function resolveScanTarget(inv: Inventory, cluster?: string, node?: string): ScanTarget {
  if (!cluster) {
    if (node) return { ok: false, message: "name the cluster before the node" };
    return { ok: true, clusters: inv.clusters };
  }
  const c = inv.clusters.find((x) => x.name === cluster);
  if (!c)
    return {
      ok: false,
      message: `unknown cluster "${cluster}"; known clusters: ${inv.clusters.map((x) => x.name).join(", ")}`,
    };
  if (!node) return { ok: true, clusters: [c] };
  const n = c.nodes.find((x) => x.name === node);
  if (!n)
    return {
      ok: false,
      message: `unknown node "${node}" in ${c.name}; its nodes: ${c.nodes.map((x) => x.name).join(", ")}`,
    };
  return { ok: true, clusters: [{ ...c, nodes: [n] }] };
}

/** Scan every selected node; a node that fails is a NodeScanFailed entry, never a thrown scan. */
export async function scanInventory(
  inv: Inventory,
  deps: ScanDeps,
  opts: ScanOptions = {},
): Promise<ClusterScan[]> {
  const target = resolveScanTarget(inv, opts.cluster, opts.node);
  if (!target.ok) throw new Error(target.message);
  const policy = { renewalWindowDays: inv.report.renewalWindowDays, alertDays: inv.report.alertDays };
  const work = target.clusters.flatMap((c) => c.nodes);
  const results = await mapLimit(work, opts.concurrency ?? sshPoolSettings(inv).maxConcurrency, (n) =>
    scanNode(n, deps, policy, opts),
  );
  return target.clusters.map((c) => ({
    cluster: c.name,
    scannedAt: deps.clock.now().toISOString(),
    nodes: results.filter((r) => r.cluster === c.name),
    ...(opts.node ? { partial: true as const } : {}),
  }));
}

async function scanNode(
  node: NodeSpec,
  deps: ScanDeps,
  policy: { renewalWindowDays: number; alertDays: number[] },
  opts: ScanOptions,
): Promise<NodeScan> {
  const base = { cluster: node.cluster, node: node.name, role: node.role };
  let session;
  try {
    session = await deps.executor.open(node, { signal: opts.signal });
    const certs = await readNodeCerts(session, policy, deps.clock.now());
    const result: NodeScanOk = { ...base, ok: true, scannedAt: deps.clock.now().toISOString(), certs };
    if (opts.crossCheck) result.crossCheck = await crossCheck(session);
    return result;
  } catch (err) {
    const e = err as Error & { kind?: string };
    (deps.logger ?? silentLogger).warn(
      { cluster: node.cluster, node: node.name, err: e, kind: e.kind },
      "node scan failed",
    );
    return {
      ...base,
      ok: false,
      scannedAt: deps.clock.now().toISOString(),
      error: { kind: e.kind ?? "error", message: e.message },
    };
  } finally {
    await session?.close().catch(() => undefined);
  }
}

async function crossCheck(
  session: Awaited<ReturnType<SshExecutor["open"]>>,
): Promise<NonNullable<NodeScanOk["crossCheck"]>> {
  const res = await session.run(certificateCheckTable(), { timeoutMs: 60_000 });
  if (res.code !== 0)
    return { rows: [], error: `rke2 certificate check exited ${res.code}: ${res.stderr.trim().slice(-300)}` };
  try {
    return { rows: parseCheckTable(res.stdout) };
  } catch (err) {
    return { rows: [], error: (err as Error).message };
  }
}
