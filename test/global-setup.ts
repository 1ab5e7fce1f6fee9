import "vitest";
import type { TestProject } from "vitest/node";
import { startRedis, type RedisHandle } from "./support/redis-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let redis: RedisHandle | undefined;

/** One real Redis for the whole run; each test uses its own queue/key prefix. */
export async function setup(project: TestProject): Promise<void> {
  redis = await startRedis();
  project.provide("redisUrl", redis.url);
}

export async function teardown(): Promise<void> {
  await redis?.stop();
}
