import { describe, expect, it } from "vitest";
import { buildClusterReport } from "../../src/certs/build-report.js";
import { planCertAlerts } from "../../src/scan/plan-alerts.js";
import { checkMessageLimits } from "../../src/slack/blocks/limits.js";
import { renderCertAlert } from "../../src/slack/blocks/render-alert.js";
import { renderDailyReport } from "../../src/slack/blocks/render-daily-report.js";
import { parseCommand } from "../../src/slack/commands/parse-command.js";
import { handleButton } from "../../src/slack/listeners/handle-button.js";
import type { ListenerDeps } from "../../src/slack/listeners/command-deps.js";
import type { ChatMessage } from "../../src/shared/chat-port.js";
import { silentLogger } from "../../src/shared/logger.js";
import { systemClock } from "../../src/shared/clock.js";
import { POLICY, syntheticScan } from "./helpers/synthetic-scan.js";
import { recordingOps } from "./helpers/recording-ops.js";

const now = new Date("2026-11-23T08:00:00Z");
type Button = { action_id: string; value: string; text: { text: string } };
const buttons = (m: ChatMessage): Button[] =>
  (m.blocks ?? []).flatMap((b) => {
    const blk = b as { type: string; elements?: Button[] };
    return blk.type === "actions" ? (blk.elements ?? []) : [];
  });

/** Node 0 has one leaf `days` from expiry; every other certificate has 300 days left. */
const reportWith = (days: number) => {
  const scan = syntheticScan({ nodes: 3, now, daysFor: (n, f) => (n === 0 && f === 0 ? days : 300) });
  return buildClusterReport(scan, POLICY, now);
};

describe("Renew by restart button", () => {
  it("is on an alert for a leaf inside the renewal window, next to Rotate", () => {
    const report = reportWith(5);
    const [plan] = planCertAlerts(report, POLICY.alertDays, now);
    const msg = renderCertAlert({ ...plan!, approvers: [], scannedAt: report.scannedAt });
    expect(checkMessageLimits(msg)).toEqual([]);
    expect(buttons(msg).map((b) => [b.action_id, b.text.text, b.value])).toEqual([
      ["rotate-request", "Rotate certificates", '{"cluster":"prod"}'],
      ["renew-request", "Renew by restart", '{"cluster":"prod"}'],
    ]);
  });

  it("is on the daily report when a leaf is inside the renewal window, and not when all is fine", () => {
    const due = renderDailyReport(reportWith(40), "2026-11-23").top;
    expect(checkMessageLimits(due)).toEqual([]);
    expect(buttons(due).map((b) => b.action_id)).toEqual(["renew-request"]);
    const fine = renderDailyReport(reportWith(300), "2026-11-23").top;
    expect(buttons(fine)).toEqual([]);
  });

  it("requests a renewal of the button's cluster and tells only the clicker", async () => {
    const ops = recordingOps(() => ({ ok: true, message: "Plan posted", operationId: "ren-abcdefgh" }));
    const told: Array<{ url: string; msg: ChatMessage }> = [];
    const chat = {
      respond: async (url: string, msg: ChatMessage) => void told.push({ url, msg }),
    } as unknown as ListenerDeps["chat"];
    const deps = { ops, chat, logger: silentLogger, clock: systemClock } as unknown as ListenerDeps;
    await handleButton(deps, {
      actionId: "renew-request",
      value: JSON.stringify({ cluster: "prod" }),
      userId: "U0APPROVER1",
      responseUrl: "https://hooks.example/r/1",
    });
    expect(ops.calls).toMatchObject([{ fn: "request", kind: "renew", cluster: "prod", args: [] }]);
    expect(told).toHaveLength(1);
    expect(told[0]!.msg).toMatchObject({ ephemeral: true });
    // Operation verbs are never read as a request kind.
    await handleButton(deps, { actionId: "approve-request", value: "{}", userId: "U0APPROVER1" });
    expect(ops.calls).toHaveLength(1);
  });
});

describe("/rke2 renew", () => {
  it("parses a cluster and refuses anything else with the usage line", () => {
    expect(parseCommand("renew prod")).toEqual({
      kind: "operation",
      operation: "renew",
      cluster: "prod",
      args: [],
    });
    expect(parseCommand("renew")).toMatchObject({ kind: "invalid", usage: "/rke2 renew <cluster>" });
    expect(parseCommand("renew prod now")).toMatchObject({
      kind: "invalid",
      message: expect.stringContaining("too many"),
    });
  });
});
