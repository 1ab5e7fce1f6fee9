import { describe, expect, it } from "vitest";
import { buildClusterReport } from "../../src/certs/build-report.js";
import { checkMessageLimits } from "../../src/slack/blocks/limits.js";
import { renderCertsAnswer } from "../../src/slack/blocks/render-certs-answer.js";
import { renderDailyReport } from "../../src/slack/blocks/render-daily-report.js";
import type { ChatMessage } from "../../src/shared/chat-port.js";
import { POLICY, syntheticScan } from "./helpers/synthetic-scan.js";

const now = new Date("2026-11-23T08:00:00Z");
const allText = (m: ChatMessage) => JSON.stringify(m.blocks ?? []) + m.text;

// 200 nodes: every 10th in its renewal window, node 7 unreachable, the rest healthy.
const big = () => {
  const scan = syntheticScan({
    nodes: 200,
    now,
    unreachable: [7],
    daysFor: (n, f) => (n % 10 === 3 && f === 0 ? 40 : 300),
  });
  return { scan, report: buildClusterReport(scan, POLICY, now) };
};

describe("output for a 200-node cluster", () => {
  it("the /rke2 certs answer stays within Block Kit limits and names the healthy nodes (first 20, then and N more)", () => {
    const { scan, report } = big();
    const msg = renderCertsAnswer({ report, scan, renewalWindowDays: 120 });
    expect(checkMessageLimits(msg)).toEqual([]);
    const healthy = scan.nodes.filter((n, i) => n.ok && i % 10 !== 3).map((n) => n.node);
    expect(healthy.length).toBe(179);
    const text = allText(msg);
    const line = new RegExp(
      `No problem on ${healthy
        .slice(0, 20)
        .map((n) => `\`${n}\``)
        .join(", ")} and 159 more`,
    );
    expect(text).toMatch(line);
    expect(text).not.toContain(`\`${healthy[20]}\`, `); // the 21st healthy node is counted, not listed
  });

  it("the daily report and every thread reply stay within Block Kit limits", () => {
    const { scan, report } = big();
    const r = renderDailyReport(report, "2026-11-23", {
      renewalWindowDays: 120,
      nodeNames: scan.nodes.map((n) => n.node),
    });
    for (const m of [r.top, ...r.thread]) expect(checkMessageLimits(m)).toEqual([]);
    expect(allText(r.top)).toContain("and 159 more");
  });
});
