import { Redis } from "ioredis";

/**
 * Where the bot's queues and state live. `prefix` namespaces BullMQ queues and the bot's own keys,
 * so tests (and several bots) can share one Redis.
 */
export interface QueueContext {
  connection: Redis;
  prefix: string;
}

export const DEFAULT_PREFIX = "rke2-chatops";

/**
 * One ioredis client per process. `maxRetriesPerRequest: null` is what BullMQ workers require;
 * commands wait through a Redis restart instead of failing a job half way.
 */
export function createRedis(url: string, name = "rke2-chatops"): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    // Reconnect forever with a capped backoff; /healthz reports Redis down meanwhile.
    retryStrategy: (times) => Math.min(times * 200, 5000),
  });
}

/** A key for the bot's own state, e.g. stateKey(ctx, "alert", "sent", key). */
export const stateKey = (ctx: Pick<QueueContext, "prefix">, ...parts: string[]): string =>
  [ctx.prefix, "state", ...parts].join(":");

/** BullMQ job ids may not contain ':' and may not be all digits. */
export const safeJobId = (...parts: string[]): string => parts.join("-").replace(/[^A-Za-z0-9_.-]/g, "_");
