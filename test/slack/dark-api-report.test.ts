import { describe, expect, it } from "vitest";
import { buildClusterReport } from "../../src/certs/build-report.js";
import { isCredentialError } from "../../src/certs/dark-api.js";
import { ROTATE_REQUEST_ACTION } from "../../src/slack/button-value.js";
import { checkMessageLimits } from "../../src/slack/blocks/limits.js";
import { renderCertAlert } from "../../src/slack/blocks/render-alert.js";
import { renderCertsAnswer } from "../../src/slack/blocks/render-certs-answer.js";
import { renderDailyReport } from "../../src/slack/blocks/render-daily-report.js";
import type { Block } from "../../src/slack/blocks/block-kit.js";
import { POLICY, syntheticScan } from "./helpers/synthetic-scan.js";

const now = new Date("2026-11-20T12:00:00Z");
// File 0 is client-admin.crt, file 2 serving-kube-apiserver.crt; nodes 0..2 are servers.
const report = (daysFor: (node: number, file: number) => number) =>
  buildClusterReport(syntheticScan({ nodes: 5, now, daysFor }), POLICY, now);
const adminExpired = (n: number, f: number) => (n < 3 && f === 0 ? -5 : 300);

const textAt = (b: Block | undefined) => JSON.stringify(b ?? {});
const buttons = (blocks: Block[]) =>
  blocks.flatMap((b) => (b.type === "actions" ? b.elements : [])).filter((e) => e.type === "button");

describe("dark API in the report model and every renderer", () => {
  it("claims nothing about the API from a one-node scan: the server's expired admin cert is its own row", () => {
    const scan = syntheticScan({ nodes: 5, now, daysFor: adminExpired });
    const one = { ...scan, nodes: scan.nodes.slice(0, 1), partial: true as const };
    const r = buildClusterReport(one, POLICY, now);
    expect(r.darkApi).toBeUndefined();
    expect(r.problems.some((p) => p.status === "expired" && p.node === scan.nodes[0]!.node)).toBe(true);
    // The same node scanned as the whole (one-server) cluster does say it.
    expect(buildClusterReport({ ...one, partial: undefined }, POLICY, now).darkApi).toContain(
      "on every server",
    );
  });

  it("names the dark state when every server's admin certificate expired", () => {
    expect(report(adminExpired).darkApi).toBe("the admin certificate expired 5 days ago on every server");
    const mixed = report((n, f) => (n < 3 && f === 0 ? -5 : n === 1 && f === 2 ? -2 : 300));
    expect(mixed.darkApi).toBe(
      "the admin certificate expired 5 days ago on every server; the API server certificate expired 2 days ago on prod-server-2",
    );
  });

  it("is not dark when one server's kubectl still works, or only an agent or a component certificate expired", () => {
    expect(report((n, f) => (n < 2 && f === 0 ? -5 : 300)).darkApi).toBeUndefined();
    expect(report((n, f) => (n < 3 && f === 1 ? -5 : 300)).darkApi).toBeUndefined(); // client-kube-apiserver only
    expect(report((n) => (n >= 3 ? -5 : 300)).darkApi).toBeUndefined();
    expect(
      buildClusterReport(
        syntheticScan({ nodes: 5, now, daysFor: adminExpired, unreachable: [2] }),
        POLICY,
        now,
      ).darkApi,
    ).toBeUndefined();
  });

  it("/rke2 certs, the daily report and an alert put it right under the header, with the emergency rotation button", () => {
    const r = report(adminExpired);
    const answer = renderCertsAnswer({ report: r });
    const daily = renderDailyReport(r, "2026-11-20").top;
    const alert = renderCertAlert({
      cluster: r.cluster,
      node: "prod-server-1",
      role: "server",
      crossings: [{ key: "k", threshold: "expired", cert: r.problems[0]! }],
      approvers: ["U1"],
      scannedAt: r.scannedAt,
      darkApi: r.darkApi,
    });
    for (const m of [answer, daily, alert]) {
      expect(checkMessageLimits(m)).toEqual([]);
      const blocks = m.blocks ?? [];
      expect(blocks[0]!.type).toBe("header");
      expect(textAt(blocks[1])).toContain(
        "Kubernetes API unusable:* the admin certificate expired 5 days ago on every server",
      );
      const [b] = buttons(blocks.slice(2, 3));
      expect(b).toMatchObject({ text: { text: "Emergency rotation" }, action_id: ROTATE_REQUEST_ACTION });
      expect(JSON.parse(b!.value!)).toEqual({ cluster: "prod" });
    }
    // One button that helps, once: not a second copy at the bottom, never the plain rotate.
    expect(buttons(alert.blocks ?? []).map((b) => b.text.text)).toEqual(["Emergency rotation"]);
  });

  it("says nothing of it when the API is fine", () => {
    const r = report((n, f) => (f === 0 ? 10 : 300));
    for (const m of [renderCertsAnswer({ report: r }), renderDailyReport(r, "2026-11-20").top])
      expect(JSON.stringify(m.blocks)).not.toContain("Kubernetes API unusable");
  });

  it("kubectl's credential errors are told apart from an API that is down", () => {
    expect(isCredentialError("error: You must be logged in to the server (Unauthorized)")).toBe(true);
    expect(
      isCredentialError("Unable to connect to the server: x509: certificate has expired or is not yet valid"),
    ).toBe(true);
    expect(
      isCredentialError(
        "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?",
      ),
    ).toBe(false);
    expect(isCredentialError("[-]etcd failed: reason withheld")).toBe(false);
  });
});
