// What the channel view's message box and buttons do: the same signed requests Slack would send the
// bot (through the fake Slack's bot client), with Slack's way of showing their answers.
import type { FakeSlack } from "../../test/support/fake-slack/index.js";
import { DEMO_USERS } from "./users.js";

export const SLACKBOT = "USLACKBOT";

export interface ActionContext {
  fake: FakeSlack;
  channel: string;
}

type AckJson = { text?: string; blocks?: unknown[]; response_type?: string } | undefined;

const userName = (id: string) => DEMO_USERS.find((u) => u.id === id)?.name.toLowerCase() ?? id.toLowerCase();

/** Slack shows a failed dispatch to the person who typed the command, from Slackbot. */
function dispatchFailed(ctx: ActionContext, user: string, what: string, detail: string): void {
  ctx.fake.model.post({
    channel: ctx.channel,
    user: SLACKBOT,
    ephemeralFor: user,
    text: `${what} failed with the error "dispatch_failed" (${detail})`,
  });
}

/** The immediate answer (ack body) of a command is an ephemeral message, or in-channel when asked. */
function showAck(ctx: ActionContext, user: string, ack: AckJson): void {
  if (!ack || (!ack.text && !ack.blocks)) return;
  ctx.fake.model.post({
    channel: ctx.channel,
    user: ctx.fake.botUserId,
    text: ack.text ?? "",
    ...(ack.blocks ? { blocks: ack.blocks } : {}),
    ...(ack.response_type === "in_channel" ? {} : { ephemeralFor: user }),
  });
}

/** A line typed in the message box: `/rke2 …` goes to the bot as a slash command, anything else is a message. */
export async function typeMessage(
  ctx: ActionContext,
  user: string,
  line: string,
): Promise<{ status: number }> {
  const text = line.trim();
  if (!text.startsWith("/")) {
    ctx.fake.model.post({ channel: ctx.channel, user, text });
    return { status: 200 };
  }
  const [command = "", ...rest] = text.split(/\s+/);
  // The typed command, visible to its author only, so the answers below it read in order.
  ctx.fake.model.post({ channel: ctx.channel, user, text, ephemeralFor: user });
  if (command !== "/rke2") {
    ctx.fake.model.post({
      channel: ctx.channel,
      user: SLACKBOT,
      ephemeralFor: user,
      text: `\`${command}\` is not a valid command. This workspace has \`/rke2\`: try \`/rke2 help\`.`,
    });
    return { status: 404 };
  }
  try {
    const r = await ctx.fake.slashCommand(rest.join(" "), user, {
      channel: ctx.channel,
      userName: userName(user),
    });
    if (r.status !== 200) dispatchFailed(ctx, user, "/rke2", `HTTP ${r.status}`);
    else showAck(ctx, user, r.json);
    return { status: r.status };
  } catch (err) {
    dispatchFailed(ctx, user, "/rke2", (err as Error).message);
    return { status: 502 };
  }
}

export interface Click {
  user: string;
  actionId: string;
  value: string;
  messageTs?: string;
}

/** A button click as a signed block_actions payload; the bot answers through the response_url or the API. */
export async function clickButton(ctx: ActionContext, c: Click): Promise<{ status: number }> {
  try {
    const r = await ctx.fake.clickButton({
      actionId: c.actionId,
      value: c.value,
      user: c.user,
      channel: ctx.channel,
      ...(c.messageTs ? { messageTs: c.messageTs } : {}),
    });
    if (r.status !== 200) dispatchFailed(ctx, c.user, "That button", `HTTP ${r.status}`);
    return { status: r.status };
  } catch (err) {
    dispatchFailed(ctx, c.user, "That button", (err as Error).message);
    return { status: 502 };
  }
}
