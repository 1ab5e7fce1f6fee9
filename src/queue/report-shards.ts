import type { FlowProducer, Job, Queue } from "bullmq";
import type { ClusterSpec } from "../config/inventory.js";
import { safeJobId } from "./connection.js";
import { CLUSTER_REPORT_JOB_OPTS, REPORT_QUEUE, SHARD_JOB_OPTS, type ReportJobData } from "./report-queue.js";
import { mergeShards, splitNodes, WORKER_ID, type ShardResult } from "../scan/report-shards.js";
import { runScans, type ScanRunDeps, type ScannedCluster } from "../scan/scan-run.js";

type ClusterJobData = Extract<ReportJobData, { kind: "cluster" }>;
type ShardJobData = Extract<ReportJobData, { kind: "shard" }>;

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
 * The cluster's scan for its report: its shards' results merged (scan/report-shards.ts), or, for
 * a cluster job without shards, a scan of the whole cluster now.
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
  return mergeShards(deps, spec, results, failures);
}
