import { randomUUID } from "node:crypto";
import { safeJobId, stateKey, type QueueContext } from "./connection.js";

/**
 * Which `/rke2 certs` requests start a scan. One scan per scope (all clusters, a cluster, a node)
 * runs at a time: a request while one runs joins it (its response_url waits in a Redis list and
 * gets the same answer). Each user has a per-minute budget of requests (a Redis counter with
 * expiry, so every web replica counts the same).
 */

/** A running scan older than this no longer takes joiners (a crashed worker cannot block a scope). */
const RUNNING_TTL_SECONDS = 30 * 60;
const WINDOW_MS = 60_000;

/**
 * One round trip for a `/rke2 certs` (the slash command waits on it before its ack). With a user
 * (ARGV[2] = per-minute budget, else ""): INCR their counter, the first request of a window starts
 * its expiry; over the budget → {"limited", ms left}. With a response_url (ARGV[4], else ""): join
 * the scope's running scan → {"joined", id}, or become it → {"new", id}. Neither left → {"admitted"}.
 */
const ADMIT_LUA = `
if ARGV[2] ~= '' then
  local n = redis.call('INCR', KEYS[1])
  if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
  if n > tonumber(ARGV[2]) then return {'limited', ttl} end
end
if ARGV[4] == '' then return {'admitted', ''} end
local id = redis.call('GET', KEYS[2])
if id then
  local w = ARGV[5] .. id
  redis.call('RPUSH', w, ARGV[4])
  redis.call('EXPIRE', w, ARGV[6])
  return {'joined', id}
end
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[6])
return {'new', ARGV[3]}
`;

/** The scan is over: free its scope (if still its own) and hand back who joined. */
const FINISH_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
local w = ARGV[2] .. ARGV[1]
local urls = redis.call('LRANGE', w, 0, -1)
redis.call('DEL', w)
return urls
`;

export interface ScanScope {
  cluster?: string;
  node?: string;
}

export const scopeName = (s: ScanScope): string =>
  s.cluster ? (s.node ? `${s.cluster}/${s.node}` : s.cluster) : "*";

const runningKey = (ctx: QueueContext, s: ScanScope) => stateKey(ctx, "scan", "running", scopeName(s));
const waitersPrefix = (ctx: QueueContext) => `${stateKey(ctx, "scan", "waiters")}:`;

export type Admission =
  | { kind: "limited"; retryAfterSeconds: number }
  | { kind: "admitted" }
  | { kind: "joined"; jobId: string }
  | { kind: "new"; jobId: string };

/**
 * Counts the request against `budget`'s user (when there is one), then, for a request that waits
 * for an answer (`responseUrl`), joins the running scan of its scope or registers a new one whose
 * job id is returned.
 */
export async function admitScan(
  ctx: QueueContext,
  scope: ScanScope,
  o: { budget?: { userId: string; perMinute: number }; responseUrl?: string },
): Promise<Admission> {
  const fresh = safeJobId("certs", randomUUID());
  const [kind, v] = (await ctx.connection.eval(
    ADMIT_LUA,
    2,
    stateKey(ctx, "scan", "rate", o.budget?.userId ?? "-"),
    runningKey(ctx, scope),
    String(WINDOW_MS),
    o.budget ? String(o.budget.perMinute) : "",
    fresh,
    o.responseUrl ?? "",
    waitersPrefix(ctx),
    String(RUNNING_TTL_SECONDS),
  )) as [string, string | number];
  if (kind === "limited") return { kind, retryAfterSeconds: Math.max(1, Math.ceil(Number(v) / 1000)) };
  if (kind === "admitted") return { kind };
  return kind === "joined" ? { kind, jobId: String(v) } : { kind: "new", jobId: String(v) };
}

/** Ends the scan `jobId` of this scope; returns the response_urls that joined it. */
export async function finishScan(ctx: QueueContext, scope: ScanScope, jobId: string): Promise<string[]> {
  return (await ctx.connection.eval(
    FINISH_LUA,
    1,
    runningKey(ctx, scope),
    jobId,
    waitersPrefix(ctx),
  )) as string[];
}
