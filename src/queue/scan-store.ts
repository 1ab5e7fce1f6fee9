import type { ClusterScan, NodeScan, NodeScanOk } from "../certs/cert-types.js";
import type { Inventory } from "../config/inventory.js";
import type { LatestScanSource, SourceErrorTally } from "../observability/cert-metrics.js";
import { reasonCode, sourceKind } from "../observability/cert-labels.js";
import { refreshTicks } from "../observability/source-metrics.js";
import { systemClock, type Clock } from "../shared/clock.js";
import { stateKey, type QueueContext } from "./connection.js";

/**
 * The latest scan of every node, kept in Redis so that any process (a web replica serving
 * /metrics) sees a scan run by any other (a worker) at once. Per cluster, one hash:
 * `last:<node>` = latest NodeScan, `ok:<node>` = latest successful one. Unreadable files: one
 * hash of error episodes, field [cluster, node, path, source kind, reason] = { count, since? }.
 */
export interface ScanStore extends LatestScanSource {
  save(scan: ClusterScan): Promise<void>;
}

type Episode = { count: number; since?: string };

export function createScanStore(
  ctx: QueueContext,
  inventory: Inventory,
  clock: Clock = systemClock,
): ScanStore {
  const r = ctx.connection;
  const scanKey = (cluster: string) => stateKey(ctx, "scan", cluster);
  const errorsKey = stateKey(ctx, "scan", "source-errors");
  const known = (cluster: string, node: string) =>
    inventory.clusters.some((c) => c.name === cluster && c.nodes.some((n) => n.name === node));

  return {
    async save(scan) {
      const episodes = await r.hgetall(errorsKey);
      const m = r.multi();
      for (const n of scan.nodes) {
        const json = JSON.stringify(n);
        m.hset(scanKey(scan.cluster), `last:${n.node}`, json);
        if (!n.ok) continue;
        m.hset(scanKey(scan.cluster), `ok:${n.node}`, json);
        const seen = new Set<string>();
        for (const c of n.certs)
          if (c.status === "unreadable")
            seen.add(
              JSON.stringify([scan.cluster, n.node, c.source.path, sourceKind(c), reasonCode(c.reason)]),
            );
        for (const field of seen) {
          const e = parseEpisode(episodes[field]);
          if (!e.since) m.hset(errorsKey, field, JSON.stringify({ count: e.count, since: n.scannedAt }));
        }
        // An error the node no longer has stops counting, at what it had reached (counters never go back).
        for (const [field, json] of Object.entries(episodes)) {
          const key = JSON.parse(field) as string[];
          if (key[0] !== scan.cluster || key[1] !== n.node || seen.has(field)) continue;
          const e = parseEpisode(json);
          if (e.since)
            m.hset(errorsKey, field, JSON.stringify({ count: e.count + refreshTicks(e.since, clock.now()) }));
        }
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
    async sourceErrors(): Promise<SourceErrorTally[]> {
      const all = await r.hgetall(errorsKey);
      return Object.entries(all).flatMap(([field, json]) => {
        const key = JSON.parse(field) as string[];
        if (key.length !== 5) return []; // written by an older version
        const [cluster, node, filepath, kind, reason] = key as [string, string, string, string, string];
        if (!known(cluster, node)) return [];
        const e = parseEpisode(json);
        return [
          {
            cluster,
            node,
            filepath,
            sourceKind: kind,
            reason,
            count: e.count,
            ...(e.since ? { since: e.since } : {}),
          },
        ];
      });
    },
  };
}

function parseEpisode(json: string | undefined): Episode {
  if (!json) return { count: 0 };
  const v = JSON.parse(json) as Episode | number;
  return typeof v === "number" ? { count: 0 } : v;
}
