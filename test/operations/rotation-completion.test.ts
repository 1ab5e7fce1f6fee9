import { describe, expect, it } from "vitest";
import type { NodeLedger, OpRecord } from "../../src/operations/engine/records.js";
import { rotationCompletion } from "../../src/operations/rotation/rotation-reports.js";
import type { LeafFact } from "../../src/operations/rotation/renewal.js";

const at = "2026-05-01T00:00:00.000Z";
const inDays = (d: number) => new Date(Date.parse(at) + d * 86_400_000).toISOString();
const leaf = (serial: string, notBefore: string | undefined, notAfter: string): LeafFact => ({
  key: "k",
  path: "/var/lib/rancher/rke2/agent/serving-kubelet.crt",
  subject: "agent-2",
  serial,
  fingerprint256: serial,
  notBefore,
  notAfter,
});
const op = {
  phases: [{ id: "agents", items: [{ node: "a", role: "agent", steps: ["verify"] }] }],
} as unknown as OpRecord;
const resultFor = (facts: Record<string, unknown>) => {
  const nodes = new Map<string, NodeLedger>([["a", { node: "a", steps: {}, facts }]]);
  return rotationCompletion(op, nodes).table.rows[0]!.at(-1);
};

describe("rotation completion table", () => {
  const skewed = leaf("01", inDays(30), inDays(400));
  it("says renewed for a future-dated leaf replaced by a valid one that expires earlier", () => {
    const judged = { at, renewalWindowDays: 120 };
    expect(
      resultFor({
        leavesBefore: [skewed],
        leavesAfter: [leaf("02", inDays(-60), inDays(365))],
        renewalJudged: judged,
      }),
    ).toBe("renewed");
  });
  it("says check when the recorded leaves do not meet the rule at the time they were judged", () => {
    const judged = { at, renewalWindowDays: 120 };
    expect(
      resultFor({
        leavesBefore: [skewed],
        leavesAfter: [leaf("02", inDays(-60), inDays(90))],
        renewalJudged: judged,
      }),
    ).toBe("check");
    expect(resultFor({ leavesBefore: [skewed], leavesAfter: [], renewalJudged: judged })).toBe("check");
  });
  it("keeps ledgers written before the rule was recorded readable", () => {
    expect(resultFor({ leavesBefore: [skewed], leavesAfter: [leaf("02", undefined, inDays(365))] })).toBe(
      "renewed",
    );
  });
});
