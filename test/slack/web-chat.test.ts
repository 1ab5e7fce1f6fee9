import { webApi } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics } from "../../src/observability/metrics.js";
import { systemClock } from "../../src/shared/clock.js";
import { createLogger } from "../../src/shared/logger.js";
import { ChatError } from "../../src/slack/chat-error.js";
import { createWebChat } from "../../src/slack/web-chat.js";
import { webClientOptions } from "../../src/slack/web-client-options.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";

describe("the ChatPort on Slack's Web API (against the local fake Slack)", () => {
  let fake: FakeSlack;
  const lines: string[] = [];
  const logger = createLogger("debug", { write: (s: string) => void lines.push(s) });
  const metrics = createMetrics({ defaultMetrics: false });
  let chat: ReturnType<typeof createWebChat>;

  beforeAll(async () => {
    fake = await startFakeSlack();
    const client = new webApi.WebClient(
      fake.botToken,
      webClientOptions({ slackApiUrl: fake.apiUrl, metrics }),
    );
    chat = createWebChat({ client, logger, clock: systemClock, metrics });
  });
  afterAll(async () => fake?.close());

  const count = async (method: string, outcome: string) =>
    (await metrics.slackCalls.get()).values.find(
      (v) => v.labels.method === method && v.labels.outcome === outcome,
    )?.value ?? 0;

  it("posts, threads and updates in place", async () => {
    const top = await chat.post("C0OPS", {
      text: "hello",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "*hello*" } }],
    });
    await chat.post("C0OPS", { text: "reply" }, { threadTs: top.ts });
    await chat.update("C0OPS", top.ts, { text: "hello again" });
    expect(fake.model.topLevel("C0OPS").map((m) => m.text)).toEqual(["hello again"]);
    expect(fake.model.replies("C0OPS", top.ts).map((m) => m.text)).toEqual(["reply"]);
    expect(await count("chat.postMessage", "ok")).toBe(2);
  });

  it("waits out a 429's Retry-After and retries", async () => {
    fake.failNext("chat.postMessage", { status: 429, retryAfter: 1 });
    const started = Date.now();
    const posted = await chat.post("C0OPS", { text: "after the rate limit" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(fake.model.find("C0OPS", posted.ts)?.text).toBe("after the rate limit");
    expect(await count("chat.postMessage", "rate_limited")).toBe(1);
  });

  it("turns not_in_channel into a ChatError that says whom to invite, and logs it once", async () => {
    fake.failNext("chat.postMessage", { error: "not_in_channel", channel: "C0SECRET" });
    const err = await chat.post("C0SECRET", { text: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChatError);
    expect(err).toMatchObject({
      code: "not_in_channel",
      needsInvite: true,
      retryable: false,
      channel: "C0SECRET",
    });
    expect((err as ChatError).advice).toBe(
      "Invite @rke2-chatops to <#C0SECRET>: type `/invite @rke2-chatops` there.",
    );
    expect(
      lines.some((l) => l.includes('"slackError":"not_in_channel"') && l.includes("Invite @rke2-chatops")),
    ).toBe(true);
    expect(await count("chat.postMessage", "not_in_channel")).toBe(1);
  });

  it("reports a bad token clearly and never logs it", async () => {
    const client = new webApi.WebClient(
      "xoxb-wrong-token-123",
      webClientOptions({ slackApiUrl: fake.apiUrl, metrics }),
    );
    const bad = createWebChat({ client, logger, clock: systemClock, metrics });
    const err = await bad.post("C0OPS", { text: "x" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "invalid_auth", retryable: false });
    expect((err as ChatError).advice).toMatch(/SLACK_BOT_TOKEN is invalid or revoked/);
    expect(lines.join("\n")).not.toContain("xoxb-wrong-token-123");
    expect(lines.join("\n")).not.toContain(fake.botToken);
  });

  it("answers through response_url, retrying its 429", async () => {
    const url = fake.newResponseUrl("C0OPS", "U0ALICE");
    fake.failNext("response_url", { status: 429, retryAfter: 0 });
    await chat.respond(url, { text: "scan done" });
    expect(fake.responsesTo(url).map((r) => r.body)).toEqual([
      { text: "scan done", response_type: "ephemeral" },
    ]);
    expect(fake.model.topLevel("C0OPS", { viewer: "U0ALICE" }).at(-1)?.text).toBe("scan done");
    expect(await count("response_url", "rate_limited")).toBe(1);
  });

  it("fails an expired response_url with advice", async () => {
    const url = fake.newResponseUrl("C0OPS", "U0ALICE");
    fake.failNext("response_url", { error: "expired_url" });
    await expect(chat.respond(url, { text: "late" })).rejects.toMatchObject({
      code: "expired_url",
      retryable: false,
    });
  });

  it("uploads a file with the external-upload flow", async () => {
    await chat.uploadFile("C0OPS", {
      filename: "plan.yaml",
      content: "apiVersion: upgrade.cattle.io/v1\n",
      title: "Plans",
    });
    const msg = fake.model.topLevel("C0OPS").find((m) => m.files?.length);
    expect(msg?.files?.[0]).toMatchObject({
      filename: "plan.yaml",
      title: "Plans",
      content: "apiVersion: upgrade.cattle.io/v1\n",
    });
    expect(fake.callsTo("files.completeUploadExternal")).toHaveLength(1);
  });

  it("posts ephemeral messages to one user", async () => {
    await chat.postEphemeral("C0OPS", "U0BOB", { text: "only for Bob" });
    expect(fake.model.topLevel("C0OPS", { viewer: "U0BOB" }).some((m) => m.text === "only for Bob")).toBe(
      true,
    );
    expect(fake.model.topLevel("C0OPS", { viewer: "U0ALICE" }).some((m) => m.text === "only for Bob")).toBe(
      false,
    );
  });
});
