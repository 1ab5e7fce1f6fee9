/**
 * The one write path of the ledger, atomic in Redis:
 *   1. fence: when an epoch is given it must equal the op's current epoch (-1 otherwise), so a
 *      zombie worker whose BullMQ lock expired cannot overwrite progress (job.updateData can);
 *   2. lock: persisting the cluster lock requires that this op still holds it (-2 otherwise), so a
 *      preflight that outlived its lock's TTL never becomes a second approvable operation;
 *   3. CAS: when an expected version is given the op's version must match (0 otherwise), so two
 *      concurrent clicks advance exactly one gate;
 *   4. then the op json, node ledgers, audit entries, and the cluster lock (persist / release).
 *      Each audit entry also goes to the cluster's append-only audit stream (XADD, trimmed only
 *      by age with MINID), in the same atomic write as the state it describes.
 *
 * KEYS: 1 op, 2 epoch, 3 nodes, 4 audit, 5 lock, 6 active set, 7 cluster audit stream
 * ARGV: 1 expected version | '', 2 epoch | '', 3 op json, 4 lock value, 5 '' | persist | release,
 *       6 op id, 7 audit cap, 8 retention seconds after release, 9 n nodes, 10 stream MINID (ms),
 *       then n pairs (node name, node json), then audit entries.
 */
export const COMMIT_LUA = `
if ARGV[2] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[2] then return -1 end
if ARGV[5] == 'persist' and redis.call('GET', KEYS[5]) ~= ARGV[4] then return -2 end
if ARGV[1] ~= '' then
  local v = redis.call('HGET', KEYS[1], 'version') or '0'
  if v ~= ARGV[1] then return 0 end
  redis.call('HSET', KEYS[1], 'version', tostring(tonumber(ARGV[1]) + 1), 'json', ARGV[3])
end
local n = tonumber(ARGV[9])
for i = 0, n - 1 do
  redis.call('HSET', KEYS[3], ARGV[11 + 2 * i], ARGV[12 + 2 * i])
end
local first = 11 + 2 * n
if #ARGV >= first then
  for i = first, #ARGV do
    redis.call('RPUSH', KEYS[4], ARGV[i])
    redis.call('XADD', KEYS[7], 'MINID', '~', ARGV[10], '*', 'e', ARGV[i])
  end
  redis.call('LTRIM', KEYS[4], -tonumber(ARGV[7]), -1)
end
if ARGV[5] == 'persist' then
  redis.call('PERSIST', KEYS[5])
elseif ARGV[5] == 'release' then
  if redis.call('GET', KEYS[5]) == ARGV[4] then redis.call('DEL', KEYS[5]) end
  redis.call('SREM', KEYS[6], ARGV[6])
  local ttl = tonumber(ARGV[8])
  for k = 1, 4 do redis.call('EXPIRE', KEYS[k], ttl) end
end
return 1
`;

/** KEYS: 1 lock. ARGV: 1 value, 2 ttl ms. 1 when this value still holds the lock (TTL renewed), else 0. */
export const EXTEND_LOCK_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0
`;

/**
 * KEYS: 1 lock. ARGV: 1 value. Before a segment's first remote command: 'held', 'reclaimed' (the
 * key was gone, e.g. Redis lost it, and is ours again without TTL), or the foreign holder's value.
 */
export const ENSURE_LOCK_LUA = `
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then return 'held' end
if not cur then redis.call('SET', KEYS[1], ARGV[1]) return 'reclaimed' end
return cur
`;

/** KEYS: 1 cluster audit stream. ARGV: 1 MINID (ms), then entries. Events not tied to a state write (refusals). */
export const APPEND_AUDIT_LUA = `
for i = 2, #ARGV do redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[1], '*', 'e', ARGV[i]) end
return 1
`;
