import { SshError } from "../../src/ssh/ssh-error.js";
import { describe, expect, it } from "vitest";
import { ChatError } from "../../src/slack/chat-error.js";
import { slackScanMessages } from "../../src/slack/scan-messages.js";

describe("slackScanMessages.chatFailure (how alert jobs treat a failed post)", () => {
  const err = (code: string, retryable: boolean) =>
    new ChatError(code, "chat.postMessage", "advice", retryable, "C1");

  it("a missing invite tells the requester", () => {
    expect(slackScanMessages.chatFailure(err("not_in_channel", false))).toEqual({ needsInvite: true });
    expect(slackScanMessages.chatFailure(err("channel_not_found", false))).toEqual({ needsInvite: true });
  });

  it("other Slack errors need no invite, whatever their retry", () => {
    expect(slackScanMessages.chatFailure(err("invalid_auth", false))).toEqual({ needsInvite: false });
    expect(slackScanMessages.chatFailure(err("http_503", true))).toEqual({ needsInvite: false });
  });

  it("errors that did not come from Slack are left to the job's retries", () => {
    expect(slackScanMessages.chatFailure(new Error("Redis down"))).toBeUndefined();
  });

  it("a failed scan says why for the bot's own errors, and quotes nothing else (it may hold a secret)", () => {
    const ours = slackScanMessages.scanFailed(
      new SshError("unreachable", "cp-1", "cp-1: connect ECONNREFUSED"),
    );
    expect(ours.text).toContain("cp-1: connect ECONNREFUSED");
    const foreign = slackScanMessages.scanFailed(new Error("redis://:hunter2@redis:6379 refused"));
    expect(foreign.text).not.toContain("hunter2");
    expect(foreign.text).toContain("the error is in the bot's log");
  });
});
