import { describe, expect, it } from "vitest";
import { buildClusterReport } from "../../src/certs/build-report.js";
import { crossingKey, lowestThreshold, planCertAlerts } from "../../src/scan/plan-alerts.js";
import { POLICY, syntheticScan } from "../slack/helpers/synthetic-scan.js";

const now = new Date("2026-11-23T08:00:00Z");
const DAY = 86_400_000;
const at = (days: number) => new Date(now.getTime() + days * DAY).toISOString();
const alertDays = [30, 14, 7, 3, 1];

describe("lowestThreshold", () => {
  it.each([
    [31, undefined],
    [30, undefined],
    [29.9, 30],
    [13, 14],
    [5, 7],
    [2.5, 3],
    [0.5, 1],
    [0, "expired"],
    [-10, "expired"],
  ])("%s days left → %s", (days, expected) => {
    expect(lowestThreshold(at(days), now, alertDays)).toBe(expected);
  });
});

describe("planCertAlerts", () => {
  it("groups a node's crossings, worst first, and leaves healthy and renewal-window-only certificates alone", () => {
    const scan = syntheticScan({
      nodes: 4,
      now,
      daysFor: (n, f) => (n === 2 ? ([-1, 5, 25, 60][f] ?? 300) : n === 3 ? ([100][f] ?? 300) : 300),
    });
    const plans = planCertAlerts(buildClusterReport(scan, POLICY, now), alertDays, now);
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({ cluster: "prod", node: "prod-server-3", role: "server" });
    expect(plans[0]!.crossings.map((c) => c.threshold)).toEqual(["expired", 7, 30]);
  });

  it("keys a crossing by certificate identity and threshold, so the same certificate under a new threshold is a new crossing", () => {
    const scan = syntheticScan({ nodes: 1, now, daysFor: (_n, f) => (f === 0 ? 20 : 300) });
    const first = planCertAlerts(buildClusterReport(scan, POLICY, now), alertDays, now)[0]!.crossings[0]!;
    const later = new Date(now.getTime() + 10 * DAY);
    const second = planCertAlerts(buildClusterReport(scan, POLICY, later), alertDays, later)[0]!
      .crossings[0]!;
    expect(first.threshold).toBe(30);
    expect(second.threshold).toBe(14);
    expect(first.key).not.toBe(second.key);
    expect(first.key).toBe(crossingKey(first.cert, 30));
    expect(first.key.split("|").slice(0, 5)).toEqual([
      "prod",
      "prod-server-1",
      "/var/lib/rancher/rke2/server/tls/client-admin.crt",
      "0",
      "",
    ]);
  });

  it("ignores unreadable and not-yet-valid certificates", () => {
    const scan = syntheticScan({ nodes: 1, now, unreadable: [0] });
    expect(planCertAlerts(buildClusterReport(scan, POLICY, now), alertDays, now)).toEqual([]);
  });
});
