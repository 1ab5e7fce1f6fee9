import { describe, expect, it } from "vitest";
import { ClusterLockLostError } from "../../src/operations/engine/ports.js";
import type { ChatMessage } from "../../src/shared/chat-port.js";
import { systemClock } from "../../src/shared/clock.js";
import { silentLogger } from "../../src/shared/logger.js";
import type { ListenerDeps } from "../../src/slack/listeners/command-deps.js";
import { handleButton } from "../../src/slack/listeners/handle-button.js";
import { recordingOps } from "./helpers/recording-ops.js";

/** A click whose operations call throws `thrown`; returns what the clicker was told. */
async function clickThrowing(thrown: unknown): Promise<ChatMessage> {
  const ops = recordingOps(() => {
    throw thrown;
  });
  const told: ChatMessage[] = [];
  const chat = { respond: async (_url: string, msg: ChatMessage) => void told.push(msg) };
  const deps = { ops, chat, logger: silentLogger, clock: systemClock } as unknown as ListenerDeps;
  await handleButton(deps, {
    actionId: "rotate-request",
    value: JSON.stringify({ cluster: "prod" }),
    userId: "U0APPROVER1",
    responseUrl: "https://hooks.example/r/1",
  });
  expect(ops.calls).toHaveLength(1);
  expect(told).toHaveLength(1);
  return told[0]!;
}

describe("a listener that throws answers through the one error mapper", () => {
  it("quotes the bot's own error, which is written for operators", async () => {
    const msg = await clickThrowing(new ClusterLockLostError("rot-abcdefgh", "prod"));
    expect(msg).toMatchObject({ ephemeral: true });
    expect(msg.text).toBe(
      ":x: Something went wrong while handling that click: operation rot-abcdefgh no longer holds the lock of cluster prod. Trying again will not help until that is fixed.",
    );
  });

  it("never quotes anything else (it may hold a secret): it points at the log", async () => {
    const msg = await clickThrowing(new Error("connect ECONNREFUSED redis://:hunter2@redis:6379"));
    expect(msg.text).toBe(
      ":x: Something went wrong while handling that click; the error is in the bot's log. Try again, or `/rke2 status`.",
    );
    expect(JSON.stringify(msg)).not.toContain("hunter2");
  });
});
