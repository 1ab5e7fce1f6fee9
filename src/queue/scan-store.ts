import type { ClusterScan, NodeScan, NodeScanOk } from "../certs/cert-types.js";
import type { Inventory } from "../config/inventory.js";
import type { LatestScanSource } from "../observability/cert-metrics.js";
import { stateKey, type QueueContext } from "./connection.js";

/**
 * The latest scan of every node, kept in Redis so that any process (a web replica serving
 * /metrics) sees a scan run by any other (a worker) at once. Per cluster, one hash:
 * `last:<node>` = latest NodeScan, `ok:<node>` = latest successful one.
 */
export interface ScanStore extends LatestScanSource {
  save(scan: ClusterScan): Promise<void>;
}

export function createScanStore(ctx: QueueContext, inventory: Inventory): ScanStore {
  const r = ctx.connection;
  const scanKey = (cluster: string) => stateKey(ctx, "scan", cluster);
  const errorsKey = stateKey(ctx, "scan", "source-errors");
  const known = (cluster: string, node: string) =>
    inventory.clusters.some((c) => c.name === cluster && c.nodes.some((n) => n.name === node));

  return {
    async save(scan) {
      const m = r.multi();
      for (const n of scan.nodes) {
        m.hset(scanKey(scan.cluster), `last:${n.node}`, JSON.stringify(n));
        if (!n.ok) continue;
        m.hset(scanKey(scan.cluster), `ok:${n.node}`, JSON.stringify(n));
        for (const c of n.certs)
          if (c.status === "unreadable")
            m.hincrby(errorsKey, JSON.stringify([scan.cluster, n.node, c.source.path]), 1);
      }
      await m.exec();
    },
    async latestNodes() {
      const last: NodeScan[] = [];
      const lastOk: NodeScanOk[] = [];
      for (const c of inventory.clusters) {
        const all = await r.hgetall(scanKey(c.name));
        for (const [field, json] of Object.entries(all)) {
          const n = JSON.parse(json) as NodeScan;
          if (!known(n.cluster, n.node)) continue;
          if (field.startsWith("last:")) last.push(n);
          else if (n.ok) lastOk.push(n);
        }
      }
      return { last, lastOk };
    },
    async sourceErrors() {
      const all = await r.hgetall(errorsKey);
      return Object.entries(all).flatMap(([field, count]) => {
        const [cluster, node, filepath] = JSON.parse(field) as [string, string, string];
        return known(cluster, node) ? [{ cluster, node, filepath, count: Number(count) }] : [];
      });
    },
  };
}
