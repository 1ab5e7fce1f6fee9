import type { Redis } from "ioredis";
import type { RefreshClaims } from "../operations/kubeconfig/refresh-click.js";
import { operationKeys } from "./operation-keys.js";

/** As long as the operation's record is kept (the ledger's default retention). */
const TTL_SECONDS = 90 * 86_400;

/**
 * One refresh per operation's button: SET NX, so of two clicks racing only one runs; a failed
 * refresh lets go so an approver can press again once the node is back.
 */
export function createRefreshClaims(redis: Redis, prefix: string): RefreshClaims {
  const key = (opId: string) => `${operationKeys(prefix).op(opId)}:kubeconfig-refresh`;
  return {
    async claim(opId, by, at) {
      const mine = JSON.stringify({ by, at });
      const ok = await redis.set(key(opId), mine, "EX", TTL_SECONDS, "NX");
      if (ok === "OK") return { ok: true };
      const held = JSON.parse((await redis.get(key(opId))) ?? mine) as { by: string; at: string };
      return { ok: false, by: held.by, at: held.at };
    },
    async release(opId) {
      await redis.del(key(opId));
    },
  };
}
