import { describe, expect, it } from "vitest";
import { buildClusterReport } from "../../src/certs/build-report.js";
import type { ChatMessage } from "../../src/shared/chat-port.js";
import { planCertAlerts } from "../../src/scan/plan-alerts.js";
import { checkMessageLimits } from "../../src/slack/blocks/limits.js";
import { renderCertAlert, renderUnreachableAlert } from "../../src/slack/blocks/render-alert.js";
import { renderCertsAnswer } from "../../src/slack/blocks/render-certs-answer.js";
import { renderDailyReport } from "../../src/slack/blocks/render-daily-report.js";
import { POLICY, syntheticScan } from "./helpers/synthetic-scan.js";

// Fixed inputs: the scan time and every certificate's expiry derive from `now`, so the snapshots never drift.
const now = new Date("2026-11-23T08:00:00Z");
// prod-server-2: one expired (-3 d), one critical (half a day), one in the renewal window (40 d);
// prod-agent-2 unreachable, prod-agent-3 carries an unreadable file.
const scan = syntheticScan({
  nodes: 6,
  now,
  unreachable: [4],
  unreadable: [5],
  daysFor: (n, f) => (n === 1 ? ([-3, 0.5, 40][f] ?? 300) : 300),
});
const report = buildClusterReport(scan, POLICY, now);
const within = (m: ChatMessage) => {
  expect(checkMessageLimits(m)).toEqual([]);
  return m;
};

describe("Slack message snapshots (fixed clock and inputs)", () => {
  it("/rke2 certs answer", () => {
    expect(within(renderCertsAnswer({ report, scan, renewalWindowDays: 120 }))).toMatchSnapshot();
  });

  it("/rke2 certs answer for one node", () => {
    // Scanned alone (as `/rke2 certs prod prod-server-2` does); its expired file is etcd's, not kubectl's.
    const days = [40, 0.5, 300, -3];
    const node = syntheticScan({ nodes: 2, now, daysFor: (n, f) => (n === 1 ? (days[f] ?? 300) : 300) });
    const one = { ...node, nodes: node.nodes.filter((n) => n.node === "prod-server-2") };
    const msg = renderCertsAnswer({
      report: buildClusterReport(one, POLICY, now),
      scan: one,
      node: "prod-server-2",
    });
    expect(within(msg)).toMatchSnapshot();
  });

  it("daily report: the top message", () => {
    const r = renderDailyReport(report, "2026-11-23", {
      renewalWindowDays: 120,
      nodeNames: scan.nodes.map((n) => n.node),
    });
    r.thread.forEach(within);
    expect(within(r.top)).toMatchSnapshot();
  });

  it("certificate alert, with approvers mentioned and the rotate and renew buttons", () => {
    const [plan] = planCertAlerts(report, POLICY.alertDays, now);
    const msg = renderCertAlert({
      ...plan!,
      approvers: ["U0APPROVER1", "U0APPROVER2"],
      scannedAt: report.scannedAt,
    });
    expect(within(msg)).toMatchSnapshot();
  });

  it("unreachable-node alert", () => {
    const msg = renderUnreachableAlert({
      cluster: "prod",
      node: "prod-agent-2",
      role: "agent",
      failures: 2,
      error: { kind: "unreachable", message: "connect ECONNREFUSED 10.0.0.4:22" },
      approvers: ["U0APPROVER1"],
      scannedAt: report.scannedAt,
    });
    expect(within(msg)).toMatchSnapshot();
  });

  it("dark API: the certs answer and the alert lead with it and carry the emergency rotation button", () => {
    const dark = buildClusterReport(
      syntheticScan({ nodes: 5, now, daysFor: (n, f) => (n < 3 && f === 0 ? -5 : 300) }),
      POLICY,
      now,
    );
    expect(dark.darkApi).toBeDefined();
    expect(within(renderCertsAnswer({ report: dark }))).toMatchSnapshot();
    const [plan] = planCertAlerts(dark, POLICY.alertDays, now);
    const alert = renderCertAlert({
      ...plan!,
      approvers: ["U0APPROVER1"],
      scannedAt: dark.scannedAt,
      darkApi: dark.darkApi,
    });
    expect(within(alert)).toMatchSnapshot();
  });
});
