import { readFileSync } from "node:fs";
import { Counter, Gauge, type Registry } from "prom-client";
import type { CertRecord, NodeScan, NodeScanOk } from "../certs/cert-types.js";
import type { Clock } from "../shared/clock.js";
import { LOCATION_LABELS, locationLabels, sourceKind } from "./cert-labels.js";
import type { SourceErrorTally } from "./cert-metrics.js";

/** The exporter re-reads its files every 30 s (v4 DefaultRefreshInterval) and counts each failed read. */
export const EXPORTER_REFRESH_MS = 30_000;

/** Reads the exporter would have made of a file unreadable from `since` to `until`. */
export function refreshTicks(since: string, until: Date): number {
  return Math.floor(Math.max(0, until.getTime() - Date.parse(since)) / EXPORTER_REFRESH_MS) + 1;
}

type Load = () => Promise<{ last: NodeScan[]; lastOk: NodeScanOk[]; errors: SourceErrorTally[] }>;

/**
 * The exporter's health series: x509_cert_error per file, x509_read_errors (v3), x509_source_up and
 * x509_source_errors_total (v4), x509_exporter_build_info; each node is a source named cluster/node.
 */
export function registerSourceMetrics(registry: Registry, load: Load, clock: Clock): void {
  new Gauge({
    name: "x509_cert_error",
    help: "1 when the file (or kubeconfig entry) could not be read or decoded in the node's latest scan, else 0",
    labelNames: LOCATION_LABELS,
    registers: [registry],
    async collect() {
      const { lastOk } = await load();
      this.reset();
      for (const n of lastOk) {
        const files = new Map<string, { rec: CertRecord; bad: boolean }>();
        for (const c of n.certs) {
          const key = JSON.stringify(locationLabels(n, c));
          const bad = c.status === "unreadable" || files.get(key)?.bad === true;
          files.set(key, { rec: c, bad });
        }
        for (const { rec, bad } of files.values()) this.set(locationLabels(n, rec), bad ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: "x509_read_errors",
    help: "Certificate files that could not be read or decoded in the node's latest scan (exporter v3)",
    labelNames: ["cluster", "node"] as const,
    registers: [registry],
    async collect() {
      const { lastOk } = await load();
      this.reset();
      for (const n of lastOk)
        this.set(
          { cluster: n.cluster, node: n.node },
          n.certs.filter((c) => c.status === "unreadable").length,
        );
    },
  });
  new Counter({
    name: "x509_source_errors_total",
    help: "Failed reads of certificate files, by reason; like the exporter, one per 30 s refresh while a file stays unreadable (exporter v4)",
    labelNames: ["cluster", "node", "source_kind", "source_name", "reason"] as const,
    registers: [registry],
    async collect() {
      const { lastOk, errors } = await load();
      this.reset();
      // Every node's sources start at zero, so increase() sees the first error (the exporter pre-inits too).
      for (const n of lastOk)
        for (const kind of new Set(n.certs.map(sourceKind)))
          this.inc({ ...source(n, kind), reason: "read_failed" }, 0);
      const now = clock.now();
      for (const e of errors) {
        const value = e.count + (e.since ? refreshTicks(e.since, now) : 0);
        this.inc({ ...source(e, e.sourceKind), reason: e.reason }, value);
      }
    },
  });
  new Gauge({
    name: "x509_source_up",
    help: "1 when the node's latest scan reached it over SSH and read its files, else 0",
    labelNames: ["cluster", "node", "source_kind", "source_name"] as const,
    registers: [registry],
    async collect() {
      const { last } = await load();
      this.reset();
      for (const n of last)
        for (const kind of ["file", "kubeconfig"]) this.set(source(n, kind), n.ok ? 1 : 0);
    },
  });
  const build = new Gauge({
    name: "x509_exporter_build_info",
    help: "Constant 1, labelled with the rke2-chatops version and Node.js version",
    labelNames: ["version", "nodeversion", "exporter"] as const,
    registers: [registry],
  });
  build.set({ version: packageVersion(), nodeversion: process.version, exporter: "rke2-chatops" }, 1);
}

const source = (n: { cluster: string; node: string }, kind: string) => ({
  cluster: n.cluster,
  node: n.node,
  source_kind: kind,
  source_name: `${n.cluster}/${n.node}`,
});

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}
