import type { Redis } from "ioredis";
import type { ChatMessage, ChatPort, PostedMessage } from "../shared/chat-port.js";

/** Idempotency keys outlive any retry of the job that wrote them. */
const POSTED_TTL_S = 7 * 86_400;

/**
 * Post a message at most once per `key`: the first run posts and stores the ts; a retried job
 * finds the ts and updates that message in place instead of posting a second one.
 */
export async function postOnce(
  redis: Redis,
  key: string,
  chat: ChatPort,
  channel: string,
  msg: ChatMessage,
  opts?: { threadTs?: string },
): Promise<PostedMessage & { updated: boolean }> {
  const existing = await redis.get(key);
  if (existing) {
    await chat.update(channel, existing, msg);
    return { channel, ts: existing, updated: true };
  }
  const posted = await chat.post(channel, msg, opts);
  await redis.set(key, posted.ts, "EX", POSTED_TTL_S);
  return { ...posted, updated: false };
}
