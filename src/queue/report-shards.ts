import { hostname } from "node:os";
import type { FlowProducer, Job, Queue } from "bullmq";
import { buildClusterReport } from "../certs/build-report.js";
import type { ClusterScan, NodeScan } from "../certs/cert-types.js";
import type { ClusterSpec } from "../config/inventory.js";
import { safeJobId } from "./connection.js";
import {
  CLUSTER_REPORT_JOB_OPTS,
  REPORT_QUEUE,
  SHARD_JOB_OPTS,
  type ReportJobData,
  type ShardResult,
} from "./report-queue.js";
import { runScans, type ScanRunDeps, type ScannedCluster } from "../scan/scan-run.js";

/** Which replica ran a shard: recorded on its result, so an operator (or a test) can tell. */
export const WORKER_ID = `${hostname()}:${process.pid}`;

type ClusterJobData = Extract<ReportJobData, { kind: "cluster" }>;
type ShardJobData = Extract<ReportJobData, { kind: "shard" }>;

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
 * Queue one cluster's report for a firing as a flow: the parent (deterministic id, as before
 * sharding) and one child per shard. A retried or duplicate firing finds the parent and adds
 * nothing: the firing job runs on one worker at a time, so the check cannot race itself.
 */
export async function queueClusterFlow(
  flow: FlowProducer,
  queue: Queue<ReportJobData>,
  spec: ClusterSpec,
  o: { firingMs: number; date: string; shardNodes: number },
): Promise<boolean> {
  const parentId = safeJobId("report", String(o.firingMs), spec.name);
  if (await queue.getJob(parentId)) return false;
  const groups = splitNodes(
    spec.nodes.map((n) => n.name),
    o.shardNodes,
  );
  const data: ClusterJobData = {
    kind: "cluster",
    cluster: spec.name,
    firingMs: o.firingMs,
    date: o.date,
    shards: groups.length,
  };
  await flow.add({
    name: "cluster-report",
    queueName: REPORT_QUEUE,
    data,
    opts: { ...CLUSTER_REPORT_JOB_OPTS, jobId: parentId },
    children: groups.map((nodes, shard) => ({
      name: "report-shard",
      queueName: REPORT_QUEUE,
      data: {
        kind: "shard",
        cluster: spec.name,
        firingMs: o.firingMs,
        shard,
        shards: groups.length,
        nodes,
      } satisfies ShardJobData,
      opts: { ...SHARD_JOB_OPTS, jobId: safeJobId("shard", String(o.firingMs), spec.name, String(shard)) },
    })),
  });
  return true;
}

/**
 * Scan one shard's nodes through the common scan path: their results reach the scan store
 * (/metrics) and the alert pipeline here, once per scan, like any other scan's.
 */
export async function runShard(
  deps: ScanRunDeps,
  d: ShardJobData,
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
 * The cluster's scan for its report: its shards' results merged in inventory order, or, for a
 * cluster job without shards, a scan of the whole cluster now. A node whose shard never
 * succeeded is reported as not scanned (it is not stored: it was not a scan of the node).
 */
export async function gatherCluster(
  deps: ScanRunDeps,
  job: Job<ReportJobData>,
  spec: ClusterSpec,
  signal?: AbortSignal,
): Promise<(ScannedCluster & { workers: string[] }) | undefined> {
  const d = job.data as ClusterJobData;
  if (!d.shards) {
    const [result] = await runScans(deps, { cluster: spec.name, signal });
    return result && { ...result, workers: [WORKER_ID] };
  }
  const results = Object.values(await job.getChildrenValues<ShardResult>());
  const failures = Object.values(await job.getIgnoredChildrenFailures());
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
