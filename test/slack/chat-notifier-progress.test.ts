import { webApi } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics } from "../../src/observability/metrics.js";
import { systemClock } from "../../src/shared/clock.js";
import type { OpRecord } from "../../src/operations/engine/records.js";
import type { ChatMessage, PostedMessage } from "../../src/shared/chat-port.js";
import { silentLogger } from "../../src/shared/logger.js";
import { createChatNotifier } from "../../src/slack/chat-notifier.js";
import { createWebChat } from "../../src/slack/web-chat.js";
import { webClientOptions } from "../../src/slack/web-client-options.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { RecordingChat, textOf } from "../operations/support/recording-chat.js";

const op = {
  id: "suc-abcdefgh",
  kind: "suc-upgrade",
  message: { channel: "C1", ts: "1.1" },
} as unknown as OpRecord;
const note = (line: string) => ({ phaseTitle: "Server plan", lines: [line] });

/** A chat whose posts or updates fail (Slack down), recording what was attempted. */
class FlakyChat extends RecordingChat {
  failPost = false;
  failUpdate = false;
  override async post(
    channel: string,
    msg: ChatMessage,
    opts?: { threadTs?: string },
  ): Promise<PostedMessage> {
    if (this.failPost) throw new Error("slack down");
    return super.post(channel, msg, opts);
  }
  override async update(channel: string, ts: string, msg: ChatMessage): Promise<void> {
    if (this.failUpdate) throw new Error("slack down");
    return super.update(channel, ts, msg);
  }
}

describe("chat notifier: the phase's live progress message", () => {
  it("posts into the operation's thread without a ts, then updates that message in place", async () => {
    const chat = new FlakyChat();
    const n = createChatNotifier(chat, () => "SUC upgrade", silentLogger);
    const ts = await n.progress(op, note("• *cp-1* · no job yet"));
    expect(ts).toBeDefined();
    expect(await n.progress(op, note("• *cp-1* · job `j` active"), ts)).toBe(ts);
    const calls = chat.calls();
    expect(calls.map((c) => [c.kind, c.ts === ts, c.threadTs])).toEqual([
      ["post", true, "1.1"],
      ["update", true, undefined],
    ]);
    expect(textOf(calls[1]!.msg)).toContain("job `j` active");
    expect(calls[1]!.msg.text).toBe("Server plan: progress");
  });

  it("is best effort: a failed post gives no ts (the next report posts), a failed update keeps the ts", async () => {
    const chat = new FlakyChat();
    const n = createChatNotifier(chat, () => "SUC upgrade", silentLogger);
    chat.failPost = true;
    expect(await n.progress(op, note("a"))).toBeUndefined();
    chat.failUpdate = true;
    expect(await n.progress(op, note("b"), "9.9")).toBe("9.9");
    expect(chat.calls()).toEqual([]);
    // No main message yet: nothing to thread under, nothing sent.
    chat.failPost = false;
    expect(await n.progress({ ...op, message: undefined } as OpRecord, note("c"))).toBeUndefined();
    expect(chat.calls()).toEqual([]);
  });
});

describe("chat notifier progress through Slack's Web API (local fake Slack)", () => {
  let fake: FakeSlack;
  const metrics = createMetrics({ defaultMetrics: false });
  beforeAll(async () => {
    fake = await startFakeSlack();
  });
  afterAll(async () => fake?.close());

  it("one thread reply under the operation message, its versions kept by chat.update", async () => {
    const client = new webApi.WebClient(
      fake.botToken,
      webClientOptions({ slackApiUrl: fake.apiUrl, metrics }),
    );
    const chat = createWebChat({ client, logger: silentLogger, clock: systemClock, metrics });
    const main = await chat.post("C0OPS", { text: "operation" });
    const live = { ...op, message: main } as OpRecord;
    const n = createChatNotifier(chat, () => "SUC upgrade", silentLogger);
    let ts: string | undefined;
    for (const l of ["• *cp-1* · no job yet", "• *cp-1* · job `j` active", "• *cp-1* · job `j` succeeded"])
      ts = await n.progress(live, note(l), ts);
    const replies = fake.model.replies("C0OPS", main.ts);
    expect(replies.map((r) => r.ts)).toEqual([ts]);
    expect(replies[0]!.history.map((v) => JSON.stringify(v.blocks))).toEqual([
      expect.stringContaining("no job yet"),
      expect.stringContaining("active"),
      expect.stringContaining("succeeded"),
    ]);
  });
});
