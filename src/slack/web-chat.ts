import type { FilesUploadV2Arguments, WebClient } from "@slack/web-api";
import type { BotMetrics } from "../observability/metrics.js";
import type { ChatMessage, ChatPort, PostedMessage } from "../shared/chat-port.js";
import type { Clock } from "../shared/clock.js";
import type { Logger } from "../shared/logger.js";
import { ChatError } from "./chat-error.js";
import { adviceFor, isRetryableCode, toChatError } from "./describe-slack-error.js";

export interface WebChatDeps {
  /** A Web client built with webClientOptions(): 429s are waited out and retried inside it. */
  client: WebClient;
  logger: Logger;
  clock: Clock;
  metrics: Pick<BotMetrics, "slackCalls">;
  fetch?: typeof fetch;
  /** Attempts for a response_url post that gets 429 or a 5xx. */
  respondAttempts?: number;
}

/** The ChatPort on Slack's Web API. Failures become ChatError, logged once with advice, never with tokens. */
export function createWebChat(deps: WebChatDeps): ChatPort {
  const { client, logger } = deps;
  const fail = (err: unknown, method: string, channel?: string): never => {
    const e = toChatError(err, method, channel);
    const level = e.retryable ? "warn" : "error";
    logger[level](
      { slackError: e.code, method, channel, advice: e.advice },
      `Slack ${method} failed: ${e.code}`,
    );
    throw e;
  };
  const blocksOf = (msg: ChatMessage) => (msg.blocks ? { blocks: msg.blocks } : {});

  return {
    async post(channel, msg, opts): Promise<PostedMessage> {
      try {
        const res = await client.chat.postMessage({
          channel,
          text: msg.text,
          ...blocksOf(msg),
          ...(opts?.threadTs ? { thread_ts: opts.threadTs } : {}),
          unfurl_links: false,
          unfurl_media: false,
        });
        return { channel: res.channel ?? channel, ts: res.ts ?? "" };
      } catch (err) {
        return fail(err, "chat.postMessage", channel);
      }
    },
    async update(channel, ts, msg) {
      try {
        await client.chat.update({ channel, ts, text: msg.text, ...blocksOf(msg) });
      } catch (err) {
        fail(err, "chat.update", channel);
      }
    },
    async postEphemeral(channel, user, msg) {
      try {
        await client.chat.postEphemeral({ channel, user, text: msg.text, ...blocksOf(msg) });
      } catch (err) {
        fail(err, "chat.postEphemeral", channel);
      }
    },
    async uploadFile(channel, file) {
      try {
        await client.filesUploadV2({
          channel_id: channel,
          content: file.content,
          filename: file.filename,
          ...(file.title ? { title: file.title } : {}),
          ...(file.threadTs ? { thread_ts: file.threadTs } : {}),
        } as FilesUploadV2Arguments);
      } catch (err) {
        fail(err, "files.uploadV2", channel);
      }
    },
    async respond(responseUrl, msg) {
      const body = {
        text: msg.text,
        ...(msg.blocks ? { blocks: msg.blocks } : {}),
        response_type: msg.ephemeral === false ? "in_channel" : "ephemeral",
        ...(msg.replaceOriginal !== undefined ? { replace_original: msg.replaceOriginal } : {}),
      };
      await postToResponseUrl(deps, responseUrl, body).catch((err) => fail(err, "response_url"));
    },
  };
}

/** response_url is a plain webhook, outside the Web client: its 429s are waited out here, on the Clock. */
async function postToResponseUrl(deps: WebChatDeps, url: string, body: object): Promise<void> {
  const doFetch = deps.fetch ?? globalThis.fetch;
  const attempts = deps.respondAttempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    let code: string;
    let retryAfterMs = 1000 * attempt;
    try {
      const res = await doFetch(url, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      code =
        res.status === 200 ? responseError(text) : res.status === 429 ? "http_429" : `http_${res.status}`;
      if (res.status === 429) retryAfterMs = 1000 * (Number(res.headers.get("retry-after")) || 1);
    } catch {
      code = "network_error";
    }
    deps.metrics.slackCalls.inc({
      method: "response_url",
      outcome: code === "ok" ? "ok" : code === "http_429" ? "rate_limited" : code,
    });
    if (code === "ok") return;
    if (!isRetryableCode(code) || attempt >= attempts)
      throw new ChatError(code, "response_url", adviceFor(code), isRetryableCode(code));
    await deps.clock.sleep(retryAfterMs);
  }
}

/** Slack answers response_url posts with `ok`, or with JSON `{ok:false,error}` / a bare error word. */
function responseError(text: string): string {
  const t = text.trim();
  if (t === "" || t === "ok") return "ok";
  try {
    const j = JSON.parse(t) as { ok?: boolean; error?: string };
    return j.ok === false ? (j.error ?? "error") : "ok";
  } catch {
    return /^[a-z_]+$/.test(t) ? t : "ok";
  }
}
