import { describe, expect, it } from "vitest";
import type { ExpiryEvent } from "../../src/rke2/expiry-events.js";
import { section } from "../../src/slack/blocks/block-kit.js";
import { eventsSummaryLine } from "../../src/slack/blocks/render-expiry-events.js";

const event = (node: string): ExpiryEvent => ({
  namespace: "default",
  node,
  reason: "CertificateExpirationWarning",
  type: "Warning",
  message: "Node certificate expires soon",
  count: 1,
});

describe("the daily report's Kubernetes events line", () => {
  it("names every node when they fit", () => {
    const line = eventsSummaryLine({ ok: true, server: "cp-1", events: ["a-1", "a-2", "a-1"].map(event) });
    expect(line).toBe(
      ":warning: Kubernetes itself raised 3 certificate expiration warnings on `a-1`, `a-2` (cross-check, read on cp-1; each in the thread).",
    );
  });

  it("with hundreds of nodes lists whole names and then 'and N more', never cutting a code span", () => {
    const names = Array.from(
      { length: 400 },
      (_, i) => `prod-worker-pool-${String(i).padStart(3, "0")}.example.internal`,
    );
    const line = eventsSummaryLine({ ok: true, server: "cp-1", events: [...names, ...names].map(event) });
    expect(line.length).toBeLessThanOrEqual(3000);
    // The section builder would clip anything longer with "…": the text reaches Slack unchanged.
    expect((section(line).text as { text: string }).text).toBe(line);
    expect(line).not.toContain("…");
    expect(line.split("`").length % 2).toBe(1);
    const shown = [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    expect(shown).toEqual(names.slice(0, shown.length));
    expect(shown.length).toBeGreaterThan(10);
    expect(line).toMatch(
      new RegExp(
        `^:warning: Kubernetes itself raised 800 certificate expiration warnings on .* and ${400 - shown.length} more \\(cross-check, read on cp-1; each in the thread\\)\\.$`,
      ),
    );
  });
});
