import type { Redis } from "ioredis";
import type { ProgressMessages } from "../operations/engine/thread-progress.js";
import { operationKeys } from "./operation-keys.js";

/** Longer than any operation stays open (its gates expire first); the key then goes by itself. */
const TTL_SECONDS = 30 * 86_400;

/** Where each phase's progress message is, in Redis: every worker and restart finds the same one. */
export function redisProgressMessages(redis: Redis, prefix: string): ProgressMessages {
  const k = operationKeys(prefix);
  return {
    get: async (key) => (await redis.get(k.progress(key))) ?? undefined,
    set: async (key, ts) => void (await redis.set(k.progress(key), ts, "EX", TTL_SECONDS)),
    delete: async (key) => void (await redis.del(k.progress(key))),
  };
}
