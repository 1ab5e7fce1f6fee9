import { hostname } from "node:os";
import { buildClusterReport } from "../certs/build-report.js";
import type { ClusterScan, NodeScan } from "../certs/cert-types.js";
import type { ClusterSpec } from "../config/inventory.js";
import { runScans, type ScanRunDeps, type ScannedCluster } from "./scan-run.js";

/** Which replica ran a shard: recorded on its result, so an operator (or a test) can tell. */
export const WORKER_ID = `${hostname()}:${process.pid}`;

/** What a shard returns (its job's return value, read by the cluster's report). */
export interface ShardResult {
  /** `host:pid` of the replica that ran the shard. */
  worker: string;
  nodes: NodeScan[];
}

/** ceil(n / max) groups as even as possible: 51 nodes at 50 a shard are 26 + 25, not 50 + 1. */
export function splitNodes<T>(items: readonly T[], max: number): T[][] {
  const groups = Math.max(1, Math.ceil(items.length / Math.max(1, max)));
  const base = Math.floor(items.length / groups);
  const extra = items.length % groups;
  const out: T[][] = [];
  let at = 0;
  for (let g = 0; g < groups; g++) {
    const size = base + (g < extra ? 1 : 0);
    out.push(items.slice(at, at + size));
    at += size;
  }
  return out;
}

/**
 * Scan one shard's nodes through the common scan path: their results reach the scan store
 * (/metrics) and the alert pipeline here, once per scan, like any other scan's.
 */
export async function runShard(
  deps: ScanRunDeps,
  d: { cluster: string; nodes: readonly string[] },
  signal?: AbortSignal,
): Promise<ShardResult> {
  const spec = deps.inventory.clusters.find((c) => c.name === d.cluster);
  if (!spec) return { worker: WORKER_ID, nodes: [] };
  const wanted = new Set(d.nodes);
  const inventory = {
    ...deps.inventory,
    clusters: [{ ...spec, nodes: spec.nodes.filter((n) => wanted.has(n.name)) }],
  };
  const [result] = await runScans({ ...deps, inventory }, { cluster: spec.name, signal });
  return { worker: WORKER_ID, nodes: result?.scan.nodes ?? [] };
}

/**
 * The cluster's scan for its report: its shards' results merged in inventory order. A node whose
 * shard never succeeded is reported as not scanned (it is not stored: it was not a scan of the node).
 */
export function mergeShards(
  deps: Pick<ScanRunDeps, "inventory" | "clock">,
  spec: ClusterSpec,
  results: readonly ShardResult[],
  failures: readonly string[],
): ScannedCluster & { workers: string[] } {
  const byName = new Map(results.flatMap((r) => r.nodes).map((n) => [n.node, n]));
  const now = deps.clock.now();
  const nodes = spec.nodes.map(
    (n): NodeScan =>
      byName.get(n.name) ?? {
        cluster: spec.name,
        node: n.name,
        role: n.role,
        ok: false,
        scannedAt: now.toISOString(),
        error: { kind: "shard-failed", message: failures[0] ?? "not scanned in this report's shards" },
      },
  );
  const latest = nodes.reduce((max, n) => (n.scannedAt > max ? n.scannedAt : max), "");
  const scan: ClusterScan = { cluster: spec.name, scannedAt: latest || now.toISOString(), nodes };
  const { renewalWindowDays, alertDays } = deps.inventory.report;
  const report = buildClusterReport(scan, { renewalWindowDays, alertDays }, now);
  return { scan, report, workers: [...new Set(results.map((r) => r.worker))].sort() };
}
