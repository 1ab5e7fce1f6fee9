import "vitest";
import type { TestProject } from "vitest/node";
import { namespacesAvailable } from "./rig/sshd.js";
import { startRedis, type RedisHandle } from "./support/redis-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let redis: RedisHandle | undefined;

/** One real Redis for the whole run; each test uses its own queue/key prefix. */
export async function setup(project: TestProject): Promise<void> {
  // In CI (or when asked) a missing rig prerequisite fails the run instead of skipping suites.
  if (process.env.CI === "true" || process.env.RKE2_CHATOPS_REQUIRE_RIG === "1") {
    const rig = namespacesAvailable();
    if (!rig.ok) throw new Error(`the sshd test rig cannot run here: ${rig.reason}`);
  }
  redis = await startRedis();
  project.provide("redisUrl", redis.url);
}

export async function teardown(): Promise<void> {
  await redis?.stop();
}
