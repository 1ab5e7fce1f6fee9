import { describe, expect, it } from "vitest";
import { createChatNotifier } from "../../src/slack/chat-notifier.js";
import type { OperationDefinition, PhaseContext } from "../../src/operations/engine/definition.js";
import type { OpRecord } from "../../src/operations/engine/records.js";
import { rotationDefinition } from "../../src/operations/rotation/rotation-definition.js";
import { silentLogger } from "../../src/shared/logger.js";
import { RecordingChat, textOf } from "./support/recording-chat.js";
import { renewDefinition } from "../../src/operations/renew/renew-definition.js";
import { createUpgradeDefinition } from "../../src/operations/upgrade/upgrade-definition.js";
import { titleNoun } from "../../src/shared/title-noun.js";

/** kubectl get nodes -o json as the API answers it: agent-1 left cordoned, cp-1 schedulable. */
const NODES = JSON.stringify({
  items: [
    { metadata: { name: "cp-1" }, spec: {}, status: { conditions: [{ type: "Ready", status: "True" }] } },
    {
      metadata: { name: "agent-1" },
      spec: { unschedulable: true },
      status: { conditions: [{ type: "Ready", status: "True" }] },
    },
  ],
});

/** The afterHalt of the definition's agent phase, run against an API that lists agent-1 as cordoned. */
async function haltNote(def: OperationDefinition): Promise<string[]> {
  const phase = def.phases.find((p) => p.afterHalt && p.steps.some((s) => s.id === "cordon"));
  expect(phase, `${def.kind} has a cordoning phase with afterHalt`).toBeDefined();
  const ctx = {
    cluster: { name: "c", nodes: [{ name: "cp-1" }, { name: "agent-1" }] },
    remote: {
      onAnyServer: async () => ({ code: 0, stdout: NODES, stderr: "", server: "cp-1" }),
    },
  } as unknown as PhaseContext;
  return phase!.afterHalt!(ctx);
}

describe("halt and recovery wording comes from the operation's own definition", () => {
  it("a halted renewal says Retry step continues the renewal by restart, never the upgrade", async () => {
    const lines = await haltNote(renewDefinition);
    expect(lines).toEqual([
      "agent-1: cordoned (`kubectl uncordon agent-1` puts it back into service; Retry step continues the renewal by restart)",
    ]);
    expect(lines.join("\n")).not.toContain("upgrade");
  });

  it("a halted upgrade says it continues the upgrade", async () => {
    const lines = await haltNote(createUpgradeDefinition());
    expect(lines).toEqual([
      "agent-1: cordoned (`kubectl uncordon agent-1` puts it back into service; Retry step continues the RKE2 upgrade)",
    ]);
  });

  it("a halted operation's thread note says Retry step continues that operation, by its definition's title", async () => {
    const op = {
      id: "ren-abcdefgh",
      kind: "renew",
      message: { channel: "C1", ts: "1.1" },
      failure: { phase: 1, node: "cp-1", step: "restart", message: "restart failed", recovery: [], at: "x" },
      gate: { kind: "failure", token: "t", phase: 1, expiresAt: "2026-01-02T00:00:00Z" },
    } as unknown as OpRecord;
    const chat = new RecordingChat();
    const defs = new Map([renewDefinition, rotationDefinition].map((d) => [d.kind, d.title]));
    const notifier = createChatNotifier(chat, (o) => defs.get(o.kind) ?? o.kind, silentLogger);
    await notifier.thread(op, { kind: "failure", op });
    await notifier.thread({ ...op, kind: "rotate" }, { kind: "failure", op: { ...op, kind: "rotate" } });
    const [renew, rotate] = chat.thread("1.1").map(textOf);
    expect(renew).toContain("re-checks the node before acting and continues the renewal by restart");
    expect(rotate).toContain("re-checks the node before acting and continues the certificate rotation");
    expect(`${renew} ${rotate}`).not.toContain("upgrade");
  });

  it("titles become nouns without breaking acronyms", () => {
    expect(titleNoun("Renewal by restart")).toBe("renewal by restart");
    expect(titleNoun("Certificate rotation")).toBe("certificate rotation");
    expect(titleNoun("RKE2 upgrade")).toBe("RKE2 upgrade");
  });
});
