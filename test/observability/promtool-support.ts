import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import type { Sample } from "../slack/helpers/parse-prometheus.js";

/** Date-valued series: promtool's clock starts at 0, so these are rebased to the first scrape. */
const DATES = new Set([
  "x509_cert_not_after",
  "x509_cert_not_before",
  "rke2_chatops_node_last_scan_timestamp_seconds",
]);
const KEEP = /^(x509_|rke2_chatops_(jobs|slack_api|node_|cert_))/;

const key = (s: Sample) =>
  `${s.name}{${Object.entries(s.labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`)
    .join(",")}}`;

/**
 * promtool input_series from scrapes taken one minute apart (scrape k = minute k): a series absent
 * from a scrape is "_" there. `t0` (Unix seconds) is the time of scrape 0.
 */
export function inputSeries(scrapes: Sample[][], t0: number): Array<{ series: string; values: string }> {
  const rows = new Map<string, string[]>();
  scrapes.forEach((samples, k) => {
    for (const s of samples) {
      if (!KEEP.test(s.name)) continue;
      const row = rows.get(key(s)) ?? Array<string>(scrapes.length).fill("_");
      row[k] = String(DATES.has(s.name) ? s.value - t0 : s.value);
      rows.set(key(s), row);
    }
  });
  return [...rows].map(([series, values]) => ({ series, values: values.join(" ") }));
}

/** Prometheus's humanizeDuration template function, for seconds of at least 1. */
export function humanizeDuration(v: number): string {
  const sign = v < 0 ? "-" : "";
  const d = Math.trunc(Math.abs(v));
  const [days, h, m, s] = [Math.trunc(d / 86400), Math.trunc(d / 3600) % 24, Math.trunc(d / 60) % 60, d % 60];
  if (days) return `${sign}${days}d ${h}h ${m}m ${s}s`;
  if (h) return `${sign}${h}h ${m}m ${s}s`;
  if (m) return `${sign}${m}m ${s}s`;
  return `${sign}${Math.abs(v)
    .toPrecision(4)
    .replace(/\.?0+$/, "")}s`;
}

/** Renders the few template forms the rules use, for the expected annotations of a firing alert. */
export function render(tpl: string, labels: Record<string, string>, value: number): string {
  return tpl
    .replace(/\{\{if \$labels\.secret_name \}\}.*?\{\{else\}\}(.*?)\{\{end\}\}/g, "$1")
    .replace(/\{\{if lt \$value 0\.0\}\}(.*?)\{\{else\}\}(.*?)\{\{end\}\}/g, (_m, a: string, b: string) =>
      value < 0 ? a : b,
    )
    .replace(/\{\{ humanizeDuration \$value \}\}/g, humanizeDuration(value))
    .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, l: string) => labels[l] ?? "");
}

/** Writes the rule files and the test file, runs `promtool test rules`; returns its output, throws on failure. */
export function promtoolTest(ruleFiles: Record<string, unknown>, tests: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "promtool-"));
  for (const [name, rules] of Object.entries(ruleFiles))
    writeFileSync(join(dir, name), typeof rules === "string" ? rules : stringify(rules));
  writeFileSync(
    join(dir, "test.yaml"),
    stringify({ rule_files: Object.keys(ruleFiles), evaluation_interval: "1m", tests }, { lineWidth: 0 }),
  );
  try {
    return execFileSync("promtool", ["test", "rules", "test.yaml"], { cwd: dir, encoding: "utf8" });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(
      `promtool test rules failed (${dir}):\n${e.stdout ?? ""}${e.stderr ?? ""}`.slice(0, 20_000),
    );
  }
}
