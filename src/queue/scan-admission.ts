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

/** INCR the user's counter; the first request of a window starts its expiry. → [count, ms left]. */
const RATE_LUA = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
`;

/** Join the scope's running scan (→ {"joined", id}) or become it (→ {"new", id}). */
const JOIN_LUA = `
local id = redis.call('GET', KEYS[1])
if id then
  local w = ARGV[3] .. id
  redis.call('RPUSH', w, ARGV[2])
  redis.call('EXPIRE', w, ARGV[4])
  return {'joined', id}
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
return {'new', ARGV[1]}
`;

/**
 * RATE_LUA then JOIN_LUA in one round trip, for a user's `/rke2 certs` (the slash command waits on
 * it before its ack) → {"limited", ms left} | {"joined", id} | {"new", id}.
 */
const ADMIT_LUA = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
if n > tonumber(ARGV[2]) then return {'limited', ttl} end
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

/** Counts one request of `userId`; when over `perMinute`, the seconds until the window ends. */
export async function takeScanBudget(
  ctx: QueueContext,
  userId: string,
  perMinute: number,
): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
  const key = stateKey(ctx, "scan", "rate", userId);
  const [n, ttl] = (await ctx.connection.eval(RATE_LUA, 1, key, String(WINDOW_MS))) as [number, number];
  if (n <= perMinute) return { ok: true };
  return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
}

/** Joins the running scan of this scope, or registers a new one whose job id is returned. */
export async function joinOrStartScan(
  ctx: QueueContext,
  scope: ScanScope,
  responseUrl: string,
): Promise<{ joined: boolean; jobId: string }> {
  const fresh = safeJobId("certs", randomUUID());
  const [kind, id] = (await ctx.connection.eval(
    JOIN_LUA,
    1,
    runningKey(ctx, scope),
    fresh,
    responseUrl,
    waitersPrefix(ctx),
    String(RUNNING_TTL_SECONDS),
  )) as [string, string];
  return { joined: kind === "joined", jobId: id };
}

/** takeScanBudget and joinOrStartScan as one script: counts the request, then joins or registers. */
export async function admitScan(
  ctx: QueueContext,
  userId: string,
  perMinute: number,
  scope: ScanScope,
  responseUrl: string,
): Promise<{ kind: "limited"; retryAfterSeconds: number } | { kind: "joined" | "new"; jobId: string }> {
  const fresh = safeJobId("certs", randomUUID());
  const [kind, v] = (await ctx.connection.eval(
    ADMIT_LUA,
    2,
    stateKey(ctx, "scan", "rate", userId),
    runningKey(ctx, scope),
    String(WINDOW_MS),
    String(perMinute),
    fresh,
    responseUrl,
    waitersPrefix(ctx),
    String(RUNNING_TTL_SECONDS),
  )) as [string, string | number];
  if (kind === "limited") return { kind, retryAfterSeconds: Math.max(1, Math.ceil(Number(v) / 1000)) };
  return { kind: kind === "joined" ? "joined" : "new", jobId: String(v) };
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
