import { describe, expect, it } from "vitest";
import type { NodeLedger, OpRecord } from "../../src/operations/engine/records.js";
import { REFRESH_KUBECONFIGS_ACTION, refreshToken } from "../../src/operations/kubeconfig/refresh-click.js";
import { STALE_KUBECONFIGS } from "../../src/operations/rotation/kubeconfig-step.js";
import { renderThreadNote } from "../../src/slack/blocks/operation/render-thread-note.js";
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

describe("rotation completion: the Refresh kubeconfig copies offer", () => {
  const server = {
    id: "rot-abcdefgh",
    cluster: "prod",
    lock: "rot-abcdefgh:7",
    finishedAt: at,
    status: "completed",
    phases: [{ id: "servers", items: [{ node: "cp-1", role: "server", steps: ["verify-certs"] }] }],
  } as unknown as OpRecord;
  const completion = (stale: string[] | undefined, o: OpRecord = server) =>
    rotationCompletion(
      o,
      new Map<string, NodeLedger>([
        ["cp-1", { node: "cp-1", steps: {}, facts: stale ? { [STALE_KUBECONFIGS]: stale } : {} }],
      ]),
    );

  it("offers the button, bound to the operation, only when stale copies were found", () => {
    const c = completion(["/root/.kube/config"]);
    expect(c.actions).toEqual([
      {
        actionId: REFRESH_KUBECONFIGS_ACTION,
        text: "Refresh kubeconfig copies",
        bind: { op: server.id, token: refreshToken(server) },
        style: "primary",
      },
    ]);
    expect(c.notes.join("\n")).toContain("*Refresh kubeconfig copies* below");
    expect(completion([]).actions).toBeUndefined();
    expect(completion(undefined).actions).toBeUndefined();
  });

  it("derives a token no other operation (or another finish of this one) shares", () => {
    const t = refreshToken(server);
    expect(t).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(refreshToken({ ...server, id: "rot-other000" })).not.toBe(t);
    expect(refreshToken({ ...server, lock: "rot-abcdefgh:8" })).not.toBe(t);
    expect(refreshToken({ ...server, finishedAt: inDays(1) })).not.toBe(t);
  });

  it("renders the offer as a button under the completion note", () => {
    const c = completion(["/root/.kube/config"]);
    const msg = renderThreadNote({ kind: "completion", op: server, ...c });
    const buttons = (msg.blocks ?? []).flatMap(
      (b) => (b as { type: string; elements?: Array<{ action_id: string }> }).elements ?? [],
    );
    expect(buttons.map((b) => b.action_id)).toEqual([REFRESH_KUBECONFIGS_ACTION]);
    const none = renderThreadNote({ kind: "completion", op: server, ...completion([]) });
    expect((none.blocks ?? []).some((b) => (b as { type: string }).type === "actions")).toBe(false);
  });
});
