import { describe, expect, it } from "vitest";
import { buildClusterReport } from "../../src/certs/build-report.js";
import type { NodeScanOk } from "../../src/certs/cert-types.js";
import { renderCertsAnswer } from "../../src/slack/blocks/render-certs-answer.js";
import { renderDailyReport } from "../../src/slack/blocks/render-daily-report.js";
import { certRecord, POLICY, syntheticScan } from "./helpers/synthetic-scan.js";

const now = new Date("2026-11-23T08:00:00Z");

/** Five nodes of healthy leaves; every server also holds two CAs, the client CA expiring first. */
function withCas(clientCaDays: number) {
  const scan = syntheticScan({ nodes: 5, now });
  for (const n of scan.nodes.slice(0, 3) as NodeScanOk[]) {
    const ca = (path: string, days: number, fp: string) => {
      const c = certRecord("prod", n.node, path, days, now, { isCA: true });
      return { ...c, facts: { ...c.facts!, fingerprint256: fp } };
    };
    n.certs.push(ca("/var/lib/rancher/rke2/server/tls/server-ca.crt", 3000, "aa"));
    n.certs.push(ca("/var/lib/rancher/rke2/server/tls/client-ca.crt", clientCaDays, "bb"));
  }
  return buildClusterReport(scan, POLICY, now);
}

describe("CA horizon in every summary", () => {
  it("the daily report header names the soonest CA and counts leaves apart from CAs", () => {
    const r = renderDailyReport(withCas(2000), "2026-11-23");
    const head = JSON.stringify(r.top.blocks);
    expect(head).toContain("35 leaf certificates, 6 CAs");
    expect(head).toContain("CA expiry: 2032-05-15, in 2000 days (`client-ca` on `prod-server-1`)");
    expect(head).not.toContain("rotate-ca");
  });

  it("a CA within a year is flagged with the rotate-ca pointer in the /rke2 certs answer", () => {
    const r = withCas(200);
    expect(r.caHorizon?.map((c) => [c.subjectCN, c.nodes])).toEqual([
      ["client-ca", 3],
      ["server-ca", 3],
    ]);
    const text = JSON.stringify(renderCertsAnswer({ report: r }).blocks);
    expect(text).toContain(":warning: CA expiry:");
    expect(text).toContain("in 200 days");
    expect(text).toContain("plan `rke2 certificate rotate-ca`");
  });
});
