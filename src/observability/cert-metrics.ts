import { Gauge, type Registry } from "prom-client";
import type { NodeScan, NodeScanOk } from "../certs/cert-types.js";
import type { Clock } from "../shared/clock.js";
import { CERT_LABELS, certLabels } from "./cert-labels.js";
import { registerSourceMetrics } from "./source-metrics.js";

/** One unreadable file's error episodes: finished ones counted, the ongoing one (if any) since when. */
export interface SourceErrorTally {
  cluster: string;
  node: string;
  filepath: string;
  sourceKind: string;
  reason: string;
  /** Failed reads of finished episodes, counted like the exporter (one per 30 s refresh). */
  count: number;
  /** When the file was first found unreadable in the episode still going on (the latest scan). */
  since?: string;
}

/** What the metrics read at scrape time; backed by Redis so every replica serves the latest scan. */
export interface LatestScanSource {
  /** Last scan of every node (ok or failed) and last successful scan, per node. */
  latestNodes(): Promise<{ last: NodeScan[]; lastOk: NodeScanOk[] }>;
  sourceErrors(): Promise<SourceErrorTally[]>;
}

/**
 * x509-certificate-exporter compatible series (same names and label names, plus `cluster` and `node`;
 * serial_number in decimal as the exporter prints it),
 * filled from the latest scan on every scrape. A node that is unreachable keeps its last known
 * certificates, so expiry alert rules keep working while SSH is down.
 */
export function registerCertMetrics(
  registry: Registry,
  source: LatestScanSource,
  clock: Clock,
  opts: { cacheMs?: number } = {},
): void {
  // Redis being down must not take the bot's own counters off /metrics: serve no cert series instead.
  const load = memoize(
    async () => {
      try {
        return { ...(await source.latestNodes()), errors: await source.sourceErrors() };
      } catch {
        return { last: [], lastOk: [], errors: [] };
      }
    },
    opts.cacheMs ?? 1000,
    clock,
  );
  const certGauge = (
    name: string,
    help: string,
    value: (notBefore: number, notAfter: number, now: number, status: string) => number,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: CERT_LABELS,
      registers: [registry],
      async collect() {
        const { lastOk } = await load();
        this.reset();
        const now = clock.now().getTime() / 1000;
        for (const n of lastOk)
          for (const c of n.certs) {
            if (!c.facts) continue;
            const nb = Date.parse(c.facts.notBefore) / 1000;
            const na = Date.parse(c.facts.notAfter) / 1000;
            this.set(certLabels(n, c), value(nb, na, now, c.status));
          }
      },
    });
  certGauge("x509_cert_not_after", "Certificate expiry date (Unix seconds)", (_nb, na) => na);
  certGauge("x509_cert_not_before", "Certificate start date (Unix seconds)", (nb) => nb);
  certGauge("x509_cert_expired", "1 when the certificate has expired, else 0", (_nb, na, now) =>
    na <= now ? 1 : 0,
  );
  certGauge(
    "rke2_chatops_cert_san_mismatch",
    "1 when a serving certificate no longer covers the node's inventory name or address (rotate to fix), else 0",
    (_nb, _na, _now, status) => (status === "san-mismatch" ? 1 : 0),
  );
  registerSourceMetrics(registry, load, clock);
  new Gauge({
    name: "rke2_chatops_node_scan_success",
    help: "1 when the node's latest scan reached it over SSH, else 0",
    labelNames: ["cluster", "node"] as const,
    registers: [registry],
    async collect() {
      const { last } = await load();
      this.reset();
      for (const n of last) this.set({ cluster: n.cluster, node: n.node }, n.ok ? 1 : 0);
    },
  });
  new Gauge({
    name: "rke2_chatops_node_last_scan_timestamp_seconds",
    help: "When the node was last scanned (Unix seconds), whatever the outcome",
    labelNames: ["cluster", "node"] as const,
    registers: [registry],
    async collect() {
      const { last } = await load();
      this.reset();
      for (const n of last) this.set({ cluster: n.cluster, node: n.node }, Date.parse(n.scannedAt) / 1000);
    },
  });
}

/** One load shared by the parallel collect() calls of one scrape. */
function memoize<T>(fn: () => Promise<T>, ttlMs: number, clock: Clock): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = clock.now().getTime();
    if (!cached || now - cached.at > ttlMs) {
      const value = fn();
      cached = { at: now, value };
      value.catch(() => (cached = undefined));
    }
    return cached.value;
  };
}
