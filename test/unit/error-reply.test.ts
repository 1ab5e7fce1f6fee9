import { describe, expect, it } from "vitest";
import { ChannelServerError } from "../../src/rke2/channel-client.js";
import { checkMessageLimits } from "../../src/slack/blocks/limits.js";
import { ChatError } from "../../src/slack/chat-error.js";
import { errorReply, errorReplyText, MAX_ERROR_DETAIL } from "../../src/slack/error-reply.js";
import { SshError } from "../../src/ssh/ssh-error.js";
import { CATALOGUE } from "../support/error-catalogue.js";

const RETRY = "Try again in a while, or `/rke2 status`.";
const FIX = "Trying again will not help until that is fixed.";
const GENERIC =
  "Something went wrong while scanning; the error is in the bot's log. Try again, or `/rke2 status`.";

describe("errorReplyText over every error code", () => {
  it.each(CATALOGUE)("$code: quotes the operator-facing message and says whether to retry", ({ err }) => {
    const text = errorReplyText(err, "scanning");
    expect(text.startsWith("Something went wrong while scanning: ")).toBe(true);
    expect(text.endsWith(err.retryable ? RETRY : FIX)).toBe(true);
    if (err instanceof ChatError) {
      expect(text).toContain(`Slack chat.postMessage failed: ${err.code}.`);
      expect(text).toContain(err.advice.replace(/\.$/, ""));
    } else expect(text).toContain(err.message.replace(/\.$/, ""));
  });

  it("reads exactly, for a dropped connection and for a missing invite", () => {
    expect(
      errorReplyText(new SshError("disconnected", "cp-1", "connection to cp-1 is closed"), "scanning"),
    ).toBe(`Something went wrong while scanning: connection to cp-1 is closed. ${RETRY}`);
    const invite = CATALOGUE.find((e) => e.code === "not_in_channel")!.err;
    expect(errorReplyText(invite, "posting")).toBe(
      "Something went wrong while posting: Slack chat.postMessage failed: not_in_channel. " +
        "Invite @rke2-chatops to <#C0CERTS>: type `/invite @rke2-chatops` there. " +
        FIX,
    );
  });

  it("escapes mrkdwn in our own messages (they quote node output and URLs) and clips long ones", () => {
    const evil = new ChannelServerError(
      `release channel server <!channel> & <https://evil|x> ${"y".repeat(5000)}`,
    );
    const text = errorReplyText(evil, "scanning");
    expect(text).not.toMatch(/<!channel>|<https:/);
    expect(text).toContain("&lt;!channel&gt; &amp; &lt;https://evil|x&gt;");
    expect(text.length).toBeLessThan(MAX_ERROR_DETAIL * 2);
    expect(text).toContain("…");
    expect(checkMessageLimits(errorReply(evil, "scanning"))).toEqual([]);
  });

  it("a Slack error code is quoted as text, never as mrkdwn", () => {
    const odd = new ChatError("<!here>", "chat.update", "See the log.", false);
    expect(errorReplyText(odd, "updating")).toContain("failed: &lt;!here&gt;.");
  });
});

describe("errorReplyText for values that are not ours", () => {
  it.each([
    ["a thrown string", "xoxb-1-2-secret"],
    ["null", null],
    ["undefined", undefined],
    ["a plain Error that may hold a secret", new Error("redis://:hunter2@redis:6379 refused")],
    ["an Error with a huge message", new Error("x".repeat(1_000_000))],
    ["an object pretending to be an AppError", { code: "fenced", retryable: false, message: "<!channel>" }],
    ["a number", 42],
  ])("%s: points at the log and quotes nothing", (_what, value) => {
    expect(errorReplyText(value, "scanning")).toBe(GENERIC);
    const msg = errorReply(value, "scanning");
    expect(msg.text).toBe(`:x: ${GENERIC}`);
    expect(checkMessageLimits(msg)).toEqual([]);
  });
});
