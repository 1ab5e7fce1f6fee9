import { describe, expect, it } from "vitest";
import type { OpRecord } from "../../src/operations/engine/records.js";
import {
  applyDecision,
  beginPhase,
  completePhase,
  expireIfDue,
  halt,
  openGate,
  requestCancel,
} from "../../src/operations/engine/state-machine.js";

const policy = {
  approvers: ["UAPPROVE1", "UAPPROVE2", "UREQ"],
  requireDistinctApprover: true,
  expireAfterMinutes: 60,
};
const t0 = new Date("2026-05-01T10:00:00Z");
const at = (min: number) => new Date(t0.getTime() + min * 60_000);

function op(over: Partial<OpRecord> = {}): OpRecord {
  return {
    id: "rot-test0001",
    kind: "rotate",
    cluster: "prod",
    channel: "C1",
    requestedBy: { userId: "UREQ" },
    requestedAt: t0.toISOString(),
    params: {},
    plan: { summary: "", lines: [] },
    phases: ["backup", "server-roll", "agents"].map((id) => ({ id, title: id, concurrency: 1, items: [] })),
    status: "awaiting-approval",
    phase: 0,
    gate: openGate("approval", 0, "tok0", t0, policy),
    runSeq: 0,
    version: 3,
    lock: "rot-test0001:1",
    phaseTimes: [{}, {}, {}],
    decisions: [],
    ...over,
  };
}

describe("operation state machine", () => {
  it("an approver other than the requester opens the phase and asks for a run", () => {
    const tr = applyDecision(op(), "approve", "tok0", "UAPPROVE1", at(1), policy);
    expect(tr.ok).toBe(true);
    if (!tr.ok) return;
    expect(tr.effect).toBe("run");
    expect(tr.next).toMatchObject({ status: "running", phase: 0, runSeq: 1 });
    expect(tr.next.gate).toBeUndefined();
    expect(tr.next.decisions).toEqual([
      { action: "approve", by: "UAPPROVE1", at: at(1).toISOString(), phase: 0 },
    ]);
  });
  it("refuses non-approvers and self-approval, and changes nothing", () => {
    const o = op();
    const stranger = applyDecision(o, "approve", "tok0", "USTRANGER", at(1), policy);
    expect(stranger).toMatchObject({ ok: false });
    expect("next" in stranger && stranger.next).toBeFalsy();
    const self = applyDecision(o, "approve", "tok0", "UREQ", at(1), policy);
    expect(self.ok).toBe(false);
    expect(self.message).toMatch(/another approver/);
    expect(
      applyDecision(o, "approve", "tok0", "UREQ", at(1), { ...policy, requireDistinctApprover: false }).ok,
    ).toBe(true);
  });
  it("lets the requester reject or cancel their own operation, but not a stranger", () => {
    expect(applyDecision(op(), "reject", "tok0", "UREQ", at(1), policy)).toMatchObject({
      ok: true,
      effect: "release",
      next: { status: "rejected" },
    });
    expect(applyDecision(op(), "reject", "tok0", "USTRANGER", at(1), policy).ok).toBe(false);
    expect(requestCancel(op(), "UREQ", at(1), policy)).toMatchObject({
      ok: true,
      effect: "release",
      next: { status: "cancelled" },
    });
    expect(requestCancel(op(), "USTRANGER", at(1), policy).ok).toBe(false);
  });
  it("treats a stale token (double click after the gate moved) as out of date", () => {
    const first = applyDecision(op(), "approve", "tok0", "UAPPROVE1", at(1), policy);
    if (!first.ok) throw new Error("expected ok");
    const second = applyDecision(first.next, "approve", "tok0", "UAPPROVE2", at(1), policy);
    expect(second.ok).toBe(false);
    expect(second.message).toMatch(/out of date/);
    expect(applyDecision(op(), "retry", "tok0", "UAPPROVE1", at(1), policy).ok).toBe(false);
  });
  it("expires a gate after expireAfterMinutes: the click is refused and the op closes", () => {
    const tr = applyDecision(op(), "approve", "tok0", "UAPPROVE1", at(61), policy);
    expect(tr.ok).toBe(false);
    expect(tr.message).toMatch(/expired/);
    expect(tr.next).toMatchObject({ status: "expired" });
    expect(expireIfDue(op(), at(59))).toBeUndefined();
    expect(expireIfDue(op(), at(60))?.status).toBe("expired");
  });
  it("cancel while running only raises a flag the engine honours before its next step", () => {
    const running = op({ status: "running", gate: undefined });
    const tr = requestCancel(running, "UAPPROVE1", at(2), policy);
    expect(tr).toMatchObject({
      ok: true,
      effect: "none",
      next: { status: "running", cancelRequested: { by: "UAPPROVE1" } },
    });
  });
  it("walks phases: complete opens the next gate, the last completes; a failure gate takes retry/abort", () => {
    let o = beginPhase({ ...op(), status: "running", gate: undefined }, at(1));
    expect(o.phaseTimes[0]?.startedAt).toBe(at(1).toISOString());
    o = completePhase(o, at(2), "tok1", policy);
    expect(o).toMatchObject({
      status: "awaiting-approval",
      phase: 1,
      gate: { kind: "approval", phase: 1, token: "tok1" },
    });
    const failed = halt(
      { ...o, status: "running", gate: undefined },
      { phase: 1, node: "cp-2", step: "rotate", message: "x", recovery: [], at: "" },
      at(3),
      "tok2",
      policy,
    );
    expect(failed).toMatchObject({ status: "halted", gate: { kind: "failure", token: "tok2" } });
    expect(applyDecision(failed, "approve", "tok2", "UAPPROVE1", at(4), policy).ok).toBe(false);
    const retry = applyDecision(failed, "retry", "tok2", "UAPPROVE1", at(4), policy);
    expect(retry).toMatchObject({ ok: true, effect: "run", next: { status: "running", phase: 1 } });
    expect(applyDecision(failed, "abort", "tok2", "UREQ", at(4), policy)).toMatchObject({
      ok: true,
      next: { status: "aborted" },
    });
    const last = completePhase({ ...o, phase: 2, status: "running", gate: undefined }, at(5), "tok3", policy);
    expect(last.status).toBe("completed");
    expect(last.gate).toBeUndefined();
  });
});
