import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { Bot } from "../../src/main/start-bot.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { ShiftedClock } from "../support/shifted-clock.js";
import {
  cleanupPrefix,
  newPrefix,
  simInventory,
  startTestBot,
  testEnv,
  waitFor,
} from "../slack/helpers/harness.js";
import { parsePrometheus, type Sample } from "../slack/helpers/parse-prometheus.js";
import { EXPORTER_V3_RULES, EXPORTER_V4_RULES } from "./exporter-chart-rules.js";
import { inputSeries, promtoolTest, render } from "./promtool-support.js";

const ns = namespacesAvailable();
const root = fileURLToPath(new URL("../../", import.meta.url));
const OURS = readFileSync(join(root, "deploy/prometheus/rules.yaml"), "utf8");
const DASHBOARD = JSON.parse(readFileSync(join(root, "deploy/grafana/rke2-chatops.json"), "utf8")) as {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
};
type Rule = { alert: string; labels?: Record<string, string>; annotations: Record<string, string> };
const rulesOf = (f: { groups: Array<{ rules: Rule[] }> }) => f.groups.flatMap((g) => g.rules);
const MIN = 60;

describe("promtool check rules", () => {
  it("accepts deploy/prometheus/rules.yaml, whose descriptions name cluster, node and file", () => {
    const out = execFileSync("promtool", ["check", "rules", join(root, "deploy/prometheus/rules.yaml")], {
      encoding: "utf8",
    });
    expect(out).toMatch(/SUCCESS: 7 rules found/);
    for (const r of rulesOf(parseYaml(OURS))) {
      expect(r.annotations.description, r.alert).toContain("$labels.cluster");
      expect(r.annotations.description, r.alert).toContain("$labels.node");
      if (r.alert.startsWith("RKE2Certificate") || r.alert === "RKE2CAExpiresWithinAYear")
        expect(r.annotations.description, r.alert).toContain("$labels.filepath");
    }
  });
});

describe.skipIf(!ns.ok)(
  "the exporter chart's alerts, ours and the dashboard on the bot's /metrics (promtool test rules)",
  () => {
    const redisUrl = inject("redisUrl");
    const prefix = newPrefix();
    let sim: SimCluster;
    let fake: FakeSlack;
    let bot: Bot;
    const clock = new ShiftedClock();
    const scrapes: Sample[][] = [];
    let t0 = 0;

    const scrape = async () => {
      const text = await (await fetch(`http://127.0.0.1:${bot.port}/metrics`)).text();
      // prom-client prints the event-loop lag of an idle process as "Nan"; those series are not used here.
      return parsePrometheus(text.replace(/^rke2_chatops_nodejs_eventloop_lag.*$/gm, "")).samples;
    };
    const readErrors = (s: Sample[]) =>
      s.find((x) => x.name === "x509_read_errors" && x.labels.node === "agent-1")?.value;
    const scan = async (until: (s: Sample[]) => boolean) => {
      const r = await fake.slashCommand("certs sim", "U0ALICE", { channel: "C0PRODOPS" });
      await fake.waitForResponses(r.responseUrl, 1, 30_000);
      await waitFor(async () => (until(await scrape()) ? true : undefined), 30_000, "scan in /metrics");
    };

    beforeAll(async () => {
      const nodes = standardNodes(2, 2);
      nodes[0]!.certs = { overrides: { "server/tls/client-controller.crt": { notAfterDays: 20 } } };
      nodes[1]!.certs = { overrides: { "server/tls/client-scheduler.crt": { notAfterDays: -3 } } };
      [sim, fake] = await Promise.all([startSimCluster({ name: "sim", nodes }), startFakeSlack()]);
      await sim.stopSshd("agent-2");
      bot = await startTestBot(fake, {
        env: testEnv(fake, redisUrl),
        inventory: simInventory(sim),
        prefix,
        clock,
      });
      // Minutes 0-4: every reachable node readable; then agent-1's kube-proxy certificate goes bad.
      await scan((s) => readErrors(s) === 0);
      t0 = Math.floor(clock.now().getTime() / 1000);
      // Scrape k is taken with the bot's clock at t0 + k minutes (scrapes take milliseconds).
      const at = (minute: number) => clock.set(new Date((t0 + minute * MIN) * 1000));
      for (let m = 0; m < 5; m++) {
        at(m);
        scrapes.push(await scrape());
      }
      const agent1 = sim.nodes.find((n) => n.name === "agent-1")!;
      writeFileSync(join(agent1.dataDir, "agent/client-kube-proxy.crt"), "garbage\n");
      at(5);
      await scan((s) => readErrors(s) === 1);
      for (let m = 5; m < 25; m++) {
        at(m);
        scrapes.push(await scrape());
      }
    }, 120_000);
    afterAll(async () => {
      await bot?.stop(2000);
      await Promise.all([sim?.stop(), fake?.close()]);
      await cleanupPrefix(redisUrl, prefix);
    });

    const last = () => scrapes.at(-1)!;
    const find = (name: string, pred: (l: Record<string, string>) => boolean) =>
      last().filter((s) => s.name === name && pred(s.labels));
    const leaf = (node: string, file: string) =>
      find(
        "x509_cert_not_after",
        (l) => l.node === node && l.filename === file && !/-ca@/.test(l.subject_CN ?? ""),
      );
    const nonEmpty = (l: Record<string, string>) =>
      Object.fromEntries(Object.entries(l).filter(([, v]) => v !== ""));
    /** The alert a rule raises for each series, with its annotations rendered for the value at `evalS`. */
    const alerts = (
      rules: Rule[],
      name: string,
      series: Array<{ labels: Record<string, string>; value?: number }>,
      evalS = 0,
    ) => {
      const rule = rules.find((r) => r.alert === name)!;
      return series.map((s) => {
        const v = s.value === undefined ? 0 : s.value - t0 - evalS;
        return {
          exp_labels: { ...nonEmpty(s.labels), ...rule.labels },
          exp_annotations: Object.fromEntries(
            Object.entries(rule.annotations).map(([k, t]) => [k, render(t, s.labels, v)]),
          ),
        };
      });
    };
    const cases = (evalMin: number, expected: Record<string, unknown[]>) =>
      Object.entries(expected).map(([alertname, exp_alerts]) => ({
        eval_time: `${evalMin}m`,
        alertname,
        exp_alerts,
      }));

    it("v3 (chart 3.21.0): ReadErrors on a new unreadable file, CertificateError after 15 min, renewal and expiration of the right certificates", () => {
      const r = rulesOf(EXPORTER_V3_RULES);
      const none = {
        X509ExporterReadErrors: [],
        CertificateError: [],
        CertificateRenewal: [],
        CertificateExpiration: [],
      };
      const readErr = alerts(r, "X509ExporterReadErrors", [{ labels: { cluster: "sim", node: "agent-1" } }]);
      const certErr = alerts(
        r,
        "CertificateError",
        find("x509_cert_error", (l) => l.node === "agent-1" && l.filename === "client-kube-proxy.crt"),
      );
      const at21 = 21 * MIN;
      const renew = [...leaf("cp-1", "client-controller.crt"), ...leaf("cp-2", "client-scheduler.crt")];
      expect(renew).toHaveLength(2);
      promtoolTest({ "v3.yaml": EXPORTER_V3_RULES }, [
        {
          interval: "1m",
          input_series: inputSeries(scrapes, t0),
          alert_rule_test: [
            ...cases(3, none),
            ...cases(12, { ...none, X509ExporterReadErrors: readErr }),
            ...cases(21, {
              X509ExporterReadErrors: [],
              CertificateError: certErr,
              CertificateRenewal: alerts(r, "CertificateRenewal", renew, at21),
              CertificateExpiration: alerts(
                r,
                "CertificateExpiration",
                leaf("cp-2", "client-scheduler.crt"),
                at21,
              ),
            }),
          ],
        },
      ]);
    });

    it("v4 (chart 4.2.0): SourceErrors and SourceDown for the right sources, CertificateError, renewal vs expired", () => {
      const r = rulesOf(EXPORTER_V4_RULES);
      const down = find("x509_source_up", (l) => l.node === "agent-2");
      expect(down.map((s) => s.value)).toEqual([0, 0]);
      const src = { cluster: "sim", node: "agent-1", source_kind: "file", source_name: "sim/agent-1" };
      const none = {
        SourceErrors: [],
        SourceErrorsSustained: [],
        SourceDown: [],
        CertificateError: [],
        CertificateRenewal: [],
        CertificateExpiration: [],
      };
      const at21 = 21 * MIN;
      promtoolTest({ "v4.yaml": EXPORTER_V4_RULES }, [
        {
          interval: "1m",
          input_series: inputSeries(scrapes, t0),
          alert_rule_test: [
            ...cases(3, none),
            ...cases(12, { ...none, SourceDown: alerts(r, "SourceDown", down) }),
            ...cases(21, {
              SourceErrors: alerts(r, "SourceErrors", [{ labels: src }]),
              SourceErrorsSustained: [],
              SourceDown: alerts(r, "SourceDown", down),
              CertificateError: alerts(
                r,
                "CertificateError",
                find(
                  "x509_cert_error",
                  (l) => l.node === "agent-1" && l.filename === "client-kube-proxy.crt",
                ),
              ),
              CertificateRenewal: alerts(
                r,
                "CertificateRenewal",
                leaf("cp-1", "client-controller.crt"),
                at21,
              ),
              CertificateExpiration: alerts(
                r,
                "CertificateExpiration",
                leaf("cp-2", "client-scheduler.crt"),
                at21,
              ),
            }),
          ],
        },
      ]);
    });

    it("deploy/prometheus/rules.yaml: each alert for the right certificate or node, CA alert only when a CA is within a year", () => {
      const r = rulesOf(parseYaml(OURS));
      const names = r.map((x) => x.alert);
      const none = Object.fromEntries(names.map((n) => [n, []]));
      const at21 = 21 * MIN;
      const expired = find(
        "x509_cert_expired",
        (l) => l.node === "cp-2" && l.filename === "client-scheduler.crt" && !/-ca@/.test(l.subject_CN ?? ""),
      );
      const scanFail = find("rke2_chatops_node_scan_success", (l) => l.node === "agent-2");
      // 9.5 years on, the 10-year CAs are within a year of expiry (promtool's clock is rebased instead of waiting).
      const later = t0 + Math.round(9.5 * 365 * 86400);
      const cas = find("x509_cert_not_after", (l) => /-ca(\.nochain)?\.crt$/.test(l.filename!));
      expect(cas.length).toBeGreaterThan(4);
      expect(cas.every((s) => /-ca@/.test(s.labels.subject_CN!))).toBe(true);
      promtoolTest({ "rules.yaml": OURS }, [
        {
          interval: "1m",
          input_series: inputSeries(scrapes, t0),
          alert_rule_test: [
            ...cases(3, none),
            ...cases(12, {
              ...none,
              RKE2CertificateExpired: alerts(r, "RKE2CertificateExpired", expired),
              RKE2NodeScanFailing: alerts(r, "RKE2NodeScanFailing", scanFail),
            }),
            ...cases(21, {
              ...none,
              RKE2CertificateInRenewalWindow: alerts(
                r,
                "RKE2CertificateInRenewalWindow",
                leaf("cp-1", "client-controller.crt"),
                at21,
              ),
              RKE2CertificateExpired: alerts(r, "RKE2CertificateExpired", expired),
              RKE2CertificateUnreadable: alerts(
                r,
                "RKE2CertificateUnreadable",
                find(
                  "x509_cert_error",
                  (l) => l.node === "agent-1" && l.filename === "client-kube-proxy.crt",
                ),
              ),
              RKE2NodeScanFailing: alerts(r, "RKE2NodeScanFailing", scanFail),
            }),
          ],
        },
        {
          interval: "1m",
          input_series: cas.map((s) => ({
            series: inputSeries([[s]], 0)[0]!.series,
            values: `${s.value - later}+0x90`,
          })),
          alert_rule_test: cases(70, {
            RKE2CAExpiresWithinAYear: cas.map((s) => ({
              ...alerts(
                r,
                "RKE2CAExpiresWithinAYear",
                [{ labels: s.labels, value: s.value - later + t0 }],
                70 * MIN,
              )[0],
            })),
          }),
        },
      ]);
    });

    it("every query of deploy/grafana/rke2-chatops.json returns series on the bot's metrics", () => {
      const exprs = DASHBOARD.panels.flatMap((p) => p.targets.map((t) => ({ title: p.title, expr: t.expr })));
      expect(exprs.length).toBeGreaterThanOrEqual(8);
      const grafana = (e: string) => e.replace(/\$__rate_interval/g, "5m").replace(/\$cluster/g, ".*");
      // A query with a result makes its alert fire; an empty one leaves the expected alert missing.
      const rules = {
        groups: [
          {
            name: "dashboard",
            rules: exprs.map((q, i) => ({ alert: `Panel${i}`, expr: `count(${grafana(q.expr)}) > 0` })),
          },
        ],
      };
      promtoolTest({ "dashboard.yaml": rules }, [
        {
          interval: "1m",
          input_series: inputSeries(scrapes, t0),
          alert_rule_test: exprs.map((_q, i) => ({
            eval_time: "21m",
            alertname: `Panel${i}`,
            exp_alerts: [{ exp_labels: {} }],
          })),
        },
      ]);
    });
  },
);
