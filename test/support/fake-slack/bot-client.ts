import { signSlackRequest } from "./sign.js";

/** Where signed requests go, and with which secret. */
export interface BotTarget {
  eventsUrl: string;
  signingSecret: string;
  teamId: string;
}

export interface SlashCommandInput {
  text: string;
  user: string;
  userName?: string;
  channel: string;
  responseUrl: string;
  command?: string;
}

export interface ButtonClickInput {
  actionId: string;
  value: string;
  user: string;
  userName?: string;
  channel: string;
  messageTs?: string;
  responseUrl: string;
  text?: string;
}

export interface SignedResult {
  status: number;
  body: string;
  /** Parsed body when it is JSON (the slash command's ack). */
  json?: { text?: string; blocks?: unknown[]; response_type?: string };
  ms: number;
}

/** Override the signature or timestamp to test refusals. */
export interface SignOverrides {
  timestampSec?: number;
  signingSecret?: string;
}

export function slashCommandPayload(teamId: string, c: SlashCommandInput): Record<string, string> {
  return {
    token: "legacy-verification-token",
    team_id: teamId,
    team_domain: "fake",
    channel_id: c.channel,
    channel_name: c.channel.toLowerCase(),
    user_id: c.user,
    user_name: c.userName ?? c.user.toLowerCase(),
    command: c.command ?? "/rke2",
    text: c.text,
    api_app_id: "A0FAKEAPP",
    is_enterprise_install: "false",
    response_url: c.responseUrl,
    trigger_id: `${Date.now()}.trigger`,
  };
}

export function blockActionsPayload(teamId: string, c: ButtonClickInput): Record<string, unknown> {
  const messageTs = c.messageTs ?? `${Math.floor(Date.now() / 1000)}.000100`;
  return {
    type: "block_actions",
    user: {
      id: c.user,
      username: c.userName ?? c.user.toLowerCase(),
      name: c.userName ?? c.user.toLowerCase(),
      team_id: teamId,
    },
    api_app_id: "A0FAKEAPP",
    token: "legacy-verification-token",
    container: { type: "message", message_ts: messageTs, channel_id: c.channel, is_ephemeral: false },
    trigger_id: `${Date.now()}.trigger`,
    team: { id: teamId, domain: "fake" },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: c.channel, name: c.channel.toLowerCase() },
    message: { type: "message", ts: messageTs, text: "" },
    response_url: c.responseUrl,
    actions: [
      {
        action_id: c.actionId,
        block_id: "actions",
        text: { type: "plain_text", text: c.text ?? c.actionId, emoji: true },
        value: c.value,
        type: "button",
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}

async function postSigned(target: BotTarget, body: string, o: SignOverrides = {}): Promise<SignedResult> {
  const headers = signSlackRequest(o.signingSecret ?? target.signingSecret, body, o.timestampSec);
  const started = performance.now();
  const res = await fetch(target.eventsUrl, {
    method: "POST",
    headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
    body,
  });
  const text = await res.text();
  const ms = performance.now() - started;
  let json: SignedResult["json"];
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, body: text, ...(json ? { json } : {}), ms };
}

/** A slash command exactly as Slack sends it: form-encoded, v0-signed. */
export function sendSlashCommand(
  target: BotTarget,
  c: SlashCommandInput,
  o?: SignOverrides,
): Promise<SignedResult> {
  return postSigned(target, new URLSearchParams(slashCommandPayload(target.teamId, c)).toString(), o);
}

/** A button click exactly as Slack sends it: `payload=<json>`, v0-signed. */
export function sendButtonClick(
  target: BotTarget,
  c: ButtonClickInput,
  o?: SignOverrides,
): Promise<SignedResult> {
  const body = new URLSearchParams({
    payload: JSON.stringify(blockActionsPayload(target.teamId, c)),
  }).toString();
  return postSigned(target, body, o);
}
