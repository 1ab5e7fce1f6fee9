import { describe, expect, it } from "vitest";
import { buildClusterReport } from "../../src/certs/build-report.js";
import { planCertAlerts } from "../../src/scan/plan-alerts.js";
import { checkMessageLimits } from "../../src/slack/blocks/limits.js";
import { renderCertAlert, renderUnreachableAlert } from "../../src/slack/blocks/render-alert.js";
import { renderCertsAnswer, renderMultiClusterAnswer } from "../../src/slack/blocks/render-certs-answer.js";
import { renderDailyReport } from "../../src/slack/blocks/render-daily-report.js";
import { renderHelp } from "../../src/slack/blocks/render-help.js";
import { renderInviteNeeded, renderNotice, renderUsageError } from "../../src/slack/blocks/render-notice.js";
import type { ChatMessage } from "../../src/shared/chat-port.js";
import { POLICY, syntheticScan } from "./helpers/synthetic-scan.js";

const now = new Date("2026-11-23T08:00:00Z");
const allText = (m: ChatMessage) => JSON.stringify(m.blocks ?? []) + m.text;
const within = (m: ChatMessage) => expect(checkMessageLimits(m)).toEqual([]);

// node 1 (prod-server-2): one expired (-3 d), one critical (1 d), one in the renewal window (40 d); node 4 unreachable.
const mixed = () => {
  const scan = syntheticScan({
    nodes: 6,
    now,
    unreachable: [4],
    unreadable: [5],
    daysFor: (n, f) => (n === 1 ? ([-3, 0.5, 40][f] ?? 300) : 300),
  });
  return { scan, report: buildClusterReport(scan, POLICY, now) };
};

describe("certs answer", () => {
  it("lists problems worst first with node, file, days, date, status words and advice", () => {
    const { report, scan } = mixed();
    const msg = renderCertsAnswer({ report, scan, renewalWindowDays: 120 });
    within(msg);
    const text = allText(msg);
    const order = ["*expired*", "*unreadable*", "*critical*", "*renewal window*"].map((w) => text.indexOf(w));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).toContain(
      "`prod-server-2` `/var/lib/rancher/rke2/server/tls/client-admin.crt` — *expired*: expired 3 days ago, on 2026-11-20",
    );
    expect(text).toContain(
      "restart rke2-server on prod-server-2 before 2027-01-02 to trigger auto-renewal, or `/rke2 rotate prod`",
    );
    expect(text).toContain("`prod-agent-2` (agent) *unreachable*");
    expect(text).toMatch(/certificates fine \(more than 120 days left\)/);
  });

  it("lists every certificate of one node when a node is asked for", () => {
    const { scan } = mixed();
    const one = { ...scan, nodes: scan.nodes.filter((n) => n.node === "prod-server-1") };
    const msg = renderCertsAnswer({
      report: buildClusterReport(one, POLICY, now),
      scan: one,
      node: "prod-server-1",
    });
    within(msg);
    expect(allText(msg)).toContain("Every other certificate on `prod-server-1`");
    expect(allText(msg)).toContain("serving-kube-apiserver.crt");
  });

  it("summarises 200 nodes in the renewal window instead of overflowing", () => {
    const scan = syntheticScan({
      nodes: 200,
      now,
      daysFor: (n, f) => 20 + ((n + f) % 90),
      unreachable: [7, 8, 9],
    });
    const report = buildClusterReport(scan, POLICY, now);
    expect(report.problems.length).toBeGreaterThan(1000);
    const msg = renderCertsAnswer({ report, scan });
    within(msg);
    expect(allText(msg)).toMatch(/more problems, by file/);
    expect(allText(msg)).toMatch(/on \d+ nodes \(worst: /);
  });

  it("fits several clusters in one answer", () => {
    const inputs = ["prod", "stage", "dev", "edge"].map((cluster) => {
      const scan = syntheticScan({ cluster, nodes: 50, now, daysFor: (n) => (n % 3 === 0 ? 5 : 300) });
      return { report: buildClusterReport(scan, POLICY, now), scan };
    });
    const msg = renderMultiClusterAnswer(inputs);
    within(msg);
    for (const c of ["prod", "stage", "dev", "edge"]) expect(allText(msg)).toContain(`*${c}*`);
  });
});

describe("daily report", () => {
  it("has the headline, a summary on top and per-node details in thread replies", () => {
    const { report } = mixed();
    const r = renderDailyReport(report, "2026-11-23", {
      renewalWindowDays: 120,
      nodeNames: report.problems.map((p) => p.node),
    });
    within(r.top);
    r.thread.forEach(within);
    expect(JSON.stringify(r.top.blocks?.[0])).toContain("Certificate expiry report — prod — 2026-11-23");
    const thread = r.thread.map(allText).join("\n");
    for (const words of [
      "expired",
      "unreadable",
      "renewal window",
      "prod-server-2",
      "client-admin.crt",
      "unreachable",
    ])
      expect(thread).toContain(words);
  });

  it("stays within limits for 200 nodes, every message", () => {
    const scan = syntheticScan({
      nodes: 200,
      now,
      daysFor: (n, f) => (n % 2 ? 300 : 10 + f),
      unreachable: [3, 50],
      unreadable: [60],
    });
    const report = buildClusterReport(scan, POLICY, now);
    const r = renderDailyReport(report, "2026-11-23", { nodeNames: scan.nodes.map((n) => n.node) });
    within(r.top);
    expect(r.thread.length).toBeGreaterThan(1);
    expect(r.thread.length).toBeLessThanOrEqual(10);
    r.thread.forEach(within);
    expect(r.thread.map(allText).join("")).toMatch(/nodes with nothing to do/);
  });

  it("says all is fine when it is", () => {
    const scan = syntheticScan({ nodes: 5, now });
    const r = renderDailyReport(buildClusterReport(scan, POLICY, now), "2026-11-23", {
      nodeNames: scan.nodes.map((n) => n.node),
    });
    within(r.top);
    expect(r.top.text).toMatch(/all 35 certificates fine/);
  });
});

describe("alerts", () => {
  it("mentions every approver, names the threshold and carries the rotate button", () => {
    const { report } = mixed();
    const [plan] = planCertAlerts(report, POLICY.alertDays, now);
    const msg = renderCertAlert({
      ...plan!,
      approvers: ["U0APPROVER1", "U0APPROVER2"],
      scannedAt: report.scannedAt,
    });
    within(msg);
    expect(msg.text).toContain("<@U0APPROVER1> <@U0APPROVER2>");
    expect(allText(msg)).toContain("has *expired*");
    expect(allText(msg)).toContain("is below the *1-day* alert threshold");
    const actions = msg.blocks?.find((b) => b.type === "actions");
    expect(actions?.elements[0]).toMatchObject({
      action_id: "rotate-request",
      value: '{"cluster":"prod"}',
      text: { text: "Rotate certificates" },
    });
  });

  it("stays within limits for a node with many crossings, and for unreachable nodes", () => {
    const scan = syntheticScan({ nodes: 1, now, daysFor: () => 2 });
    const report = buildClusterReport(scan, POLICY, now);
    const [plan] = planCertAlerts(report, POLICY.alertDays, now);
    const big = { ...plan!, crossings: Array.from({ length: 40 }, () => plan!.crossings).flat() };
    within(
      renderCertAlert({
        ...big,
        approvers: Array.from({ length: 50 }, (_, i) => `U0APPR${i}`),
        scannedAt: report.scannedAt,
      }),
    );
    within(
      renderUnreachableAlert({
        cluster: "prod",
        node: "n",
        role: "agent",
        failures: 2,
        error: { kind: "timeout", message: "x".repeat(5000) },
        approvers: [],
        scannedAt: report.scannedAt,
      }),
    );
  });
});

describe("help and notices", () => {
  it("are within limits", () => {
    within(renderHelp(["prod", "stage"]));
    within(renderUsageError("`rotate`: missing arguments.", "/rke2 rotate <cluster>"));
    within(renderNotice("<script>& stuff", { emoji: ":x:" }));
    within(renderInviteNeeded("C0PRODOPS", "the daily report"));
    expect(renderNotice("<b>&").text).toBe("&lt;b&gt;&amp;");
  });
});
