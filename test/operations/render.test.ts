import { describe, expect, it } from "vitest";
import type { NodeLedger, OpRecord } from "../../src/operations/engine/records.js";
import { buildOperationView } from "../../src/operations/view/operation-view.js";
import { checkMessageLimits } from "../../src/slack/blocks/limits.js";
import { renderOperationMessage } from "../../src/slack/blocks/operation/render-operation-message.js";
import { renderThreadNote } from "../../src/slack/blocks/operation/render-thread-note.js";
import { operationButtonValue } from "../../src/slack/button-value.js";

const names = Array.from(
  { length: 80 },
  (_, i) => `a-rather-long-node-name-for-limits-${i}.example.internal`,
);
function bigOp(over: Partial<OpRecord> = {}): OpRecord {
  return {
    id: "rot-big00001",
    kind: "rotate",
    cluster: "huge",
    channel: "C1",
    requestedBy: { userId: "UREQ" },
    requestedAt: "2026-05-01T10:00:00.000Z",
    params: {},
    plan: {
      summary: "Rotate everything",
      lines: names.map(
        (n) => `• ${n}: \`/var/lib/rancher/rke2/server/tls/etcd/peer-server-client.crt\` expires soon`,
      ),
    },
    phases: [
      {
        id: "server-roll",
        title: "Server roll",
        concurrency: 1,
        items: names.map((n) => ({
          node: n,
          role: "server" as const,
          steps: ["record-before", "stop", "rotate", "start", "wait-ready", "verify-certs"],
        })),
      },
    ],
    status: "halted",
    phase: 0,
    runSeq: 1,
    version: 4,
    lock: "x",
    phaseTimes: [{}],
    decisions: [],
    gate: {
      kind: "failure",
      token: "tok_-A1",
      phase: 0,
      openedAt: "",
      expiresAt: "2026-05-01T14:00:00.000Z",
    },
    failure: {
      phase: 0,
      node: names[3]!,
      step: "rotate",
      message: "certificate rotate failed",
      command: "rke2 certificate rotate",
      exitCode: 1,
      stderr: "x".repeat(9000),
      backupDir: "/var/lib/rancher/rke2/server/tls-1714557600",
      recovery: ["started rke2-server again"],
      at: "",
    },
    ...over,
  };
}

describe("operation message renderers stay within Slack limits", () => {
  it("a huge halted operation: ≤ 50 blocks, ≤ 3000 chars per text, Retry/Abort with a valid button value", () => {
    const msg = renderOperationMessage(
      buildOperationView(bigOp(), new Map<string, NodeLedger>(), "Certificate rotation"),
    );
    expect(checkMessageLimits(msg)).toEqual([]);
    const buttons = (msg.blocks ?? [])
      .flatMap((b) => (b.type === "actions" ? b.elements : []))
      .filter((e) => e.type === "button");
    expect(buttons.map((e) => e.action_id)).toEqual(["retry", "abort"]);
    expect(operationButtonValue.parse(JSON.parse(buttons[0]!.value!))).toEqual({
      op: "rot-big00001",
      token: "tok_-A1",
    });
    const failure = renderThreadNote({ kind: "failure", op: bigOp() });
    expect(checkMessageLimits(failure)).toEqual([]);
    expect(JSON.stringify(failure)).toContain("tls-1714557600");
  });
  it("an approval gate shows Approve/Reject; completion tables of many nodes are split, never overflow", () => {
    const op = bigOp({
      status: "awaiting-approval",
      gate: { kind: "approval", token: "t1", phase: 0, openedAt: "", expiresAt: "2026-05-01T14:00:00.000Z" },
      failure: undefined,
    });
    const msg = renderOperationMessage(buildOperationView(op, new Map(), "Certificate rotation"));
    expect(checkMessageLimits(msg)).toEqual([]);
    expect(JSON.stringify(msg.blocks)).toMatch(/"action_id":"approve".*"action_id":"reject"/);
    const done = renderThreadNote({
      kind: "completion",
      op,
      table: {
        headers: ["node", "role", "before", "after"],
        rows: names.map((n) => [n, "server", "2026-06-01", "2027-05-01"]),
      },
      notes: ["cp /etc/rancher/rke2/rke2.yaml ~/.kube/config"],
    });
    expect(checkMessageLimits(done)).toEqual([]);
    const report = renderThreadNote({
      kind: "phase-report",
      phaseTitle: "Backup",
      lines: names.map((n) => `• ${n}: ${"/var/lib/rancher/rke2/server/db/snapshots/x".repeat(3)}`),
    });
    expect(checkMessageLimits(report)).toEqual([]);
  });
});
