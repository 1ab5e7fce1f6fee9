import type { Redis } from "ioredis";
import {
  ClusterLockLostError,
  FencedError,
  type LockAction,
  type OperationLedger,
} from "../operations/engine/ports.js";
import type { AuditEntry, NodeLedger, OpRecord } from "../operations/engine/records.js";
import { APPEND_AUDIT_LUA, COMMIT_LUA, ENSURE_LOCK_LUA, EXTEND_LOCK_LUA } from "./operation-commit-lua.js";
import { operationKeys } from "./operation-keys.js";

export interface RedisLedgerOptions {
  prefix: string;
  /** Audit entries kept per operation. */
  auditCap?: number;
  /** How long a finished operation's record stays readable through `status`. */
  retentionSeconds?: number;
  /** Cluster audit stream entries older than this are trimmed. Default 400 days. */
  auditRetentionMs?: number;
  /** Wall clock for the stream's MINID trim. */
  now?: () => Date;
  /** Told once when intents cannot be waited onto disk (Redis < 7.2 or AOF off). */
  onNoDurableWait?: (why: string) => void;
}

interface CommitArgs {
  id: string;
  expectVersion?: number;
  epoch?: number;
  op?: OpRecord;
  lock?: { value: string; action: LockAction };
  nodes?: NodeLedger[];
  audit?: AuditEntry[];
}

/** The operation ledger on Redis; see operation-keys.ts for the layout and operation-commit-lua.ts for the write path. */
export function createRedisLedger(redis: Redis, o: RedisLedgerOptions): OperationLedger {
  const k = operationKeys(o.prefix);
  const auditCap = o.auditCap ?? 500;
  const retention = o.retentionSeconds ?? 90 * 86_400;
  const auditRetentionMs = o.auditRetentionMs ?? 400 * 86_400_000;
  const now = o.now ?? (() => new Date());
  const minId = () => String(Math.max(0, now().getTime() - auditRetentionMs));
  // Node commits do not carry the record; remember which cluster each operation belongs to.
  const clusters = new Map<string, string>();
  async function clusterOf(id: string, op?: OpRecord): Promise<string> {
    if (op) clusters.set(id, op.cluster);
    const known = clusters.get(id);
    if (known) return known;
    const json = await redis.hget(k.op(id), "json");
    const c = json ? (JSON.parse(json) as OpRecord).cluster : "-";
    clusters.set(id, c);
    return c;
  }
  const streamEntry = (id: string, cluster: string, e: AuditEntry) =>
    JSON.stringify({ ...e, op: id, cluster });

  async function commit(a: CommitArgs): Promise<number> {
    const cluster = await clusterOf(a.id, a.op);
    const keys = [
      k.op(a.id),
      k.epoch(a.id),
      k.nodes(a.id),
      k.audit(a.id),
      a.op ? k.lock(a.op.cluster) : k.lock("-"),
      k.active(),
      k.auditStream(cluster),
    ];
    const nodes = a.nodes ?? [];
    const argv = [
      a.expectVersion === undefined ? "" : String(a.expectVersion),
      a.epoch === undefined ? "" : String(a.epoch),
      a.op ? JSON.stringify(a.op) : "",
      a.lock?.value ?? "",
      a.lock?.action ?? "",
      a.id,
      String(auditCap),
      String(retention),
      String(nodes.length),
      minId(),
      ...nodes.flatMap((n) => [n.node, JSON.stringify(n)]),
      ...(a.audit ?? []).map((e) => streamEntry(a.id, cluster, e)),
    ];
    const res = (await redis.eval(COMMIT_LUA, keys.length, ...keys, ...argv)) as number;
    if (res === -1) throw new FencedError(a.id);
    if (res === -2) throw new ClusterLockLostError(a.id, a.op?.cluster ?? "?");
    return res;
  }

  const aof = createAofWaiter(redis, o.onNoDurableWait);

  const lockFor = (next: OpRecord, action?: LockAction) =>
    action ? { value: next.lock, action } : undefined;

  return {
    async get(id) {
      const [version, json] = await redis.hmget(k.op(id), "version", "json");
      if (!json) return undefined;
      return { ...(JSON.parse(json) as OpRecord), version: Number(version) };
    },
    async nodes(id) {
      const all = await redis.hgetall(k.nodes(id));
      return new Map(Object.entries(all).map(([name, json]) => [name, JSON.parse(json) as NodeLedger]));
    },
    async audit(id, last = auditCap) {
      return (await redis.lrange(k.audit(id), -last, -1)).map((s) => JSON.parse(s) as AuditEntry);
    },
    async create(op, nodes, audit) {
      const ok =
        (await commit({ id: op.id, expectVersion: 0, op: { ...op, version: 1 }, nodes, audit })) === 1;
      if (ok) {
        await redis
          .multi()
          .sadd(k.active(), op.id)
          .lpush(k.recent(op.cluster), op.id)
          .ltrim(k.recent(op.cluster), 0, 49)
          .exec();
      }
      return ok;
    },
    async casOp(prev, next, audit, lock, nodes) {
      const op = { ...next, version: prev.version + 1 };
      return (
        (await commit({
          id: prev.id,
          expectVersion: prev.version,
          op,
          audit,
          nodes,
          lock: lockFor(next, lock),
        })) === 1
      );
    },
    async beginAttempt(id) {
      return redis.incr(k.epoch(id));
    },
    async commitOp(epoch, prev, next, audit, lock) {
      const op = { ...next, version: prev.version + 1 };
      return (
        (await commit({
          id: prev.id,
          epoch,
          expectVersion: prev.version,
          op,
          audit,
          lock: lockFor(next, lock),
        })) === 1
      );
    },
    async commitNode(opId, epoch, node, audit) {
      await commit({ id: opId, epoch, nodes: [node], audit });
      // An intent is the promise "check the node before acting again": it must survive Redis
      // dying together with the worker, so wait for it to reach the append-only file.
      if (Object.values(node.steps).some((st) => st.state === "intent")) await aof.wait();
    },
    async acquireClusterLock(cluster, opId, ttlMs) {
      const token = await redis.incr(k.lockSeq(cluster));
      const value = `${opId}:${token}`;
      const ok = await redis.set(k.lock(cluster), value, "PX", ttlMs, "NX");
      if (ok === "OK") return { ok: true, lock: value };
      const holder = (await redis.get(k.lock(cluster))) ?? "";
      return { ok: false, holder: holder.split(":")[0] ?? holder };
    },
    async extendClusterLock(cluster, lock, ttlMs) {
      return (await redis.eval(EXTEND_LOCK_LUA, 1, k.lock(cluster), lock, String(ttlMs))) === 1;
    },
    async ensureClusterLock(cluster, lock) {
      const r = (await redis.eval(ENSURE_LOCK_LUA, 1, k.lock(cluster), lock)) as string;
      return r === "held" || r === "reclaimed" ? r : { holder: r.split(":")[0] ?? r };
    },
    async lockHolder(cluster) {
      const v = await redis.get(k.lock(cluster));
      return v ? v.split(":")[0] : undefined;
    },
    async appendAudit(cluster, opId, entries) {
      if (!entries.length) return;
      await redis.eval(
        APPEND_AUDIT_LUA,
        1,
        k.auditStream(cluster),
        minId(),
        ...entries.map((e) => streamEntry(opId ?? "-", cluster, e)),
      );
    },
    activeOps: () => redis.smembers(k.active()),
    recentOps: (cluster, n) => redis.lrange(k.recent(cluster), 0, n - 1),
  };
}

/**
 * WAITAOF 1 0 (Redis >= 7.2): returns once the preceding writes are fsynced to the local AOF.
 * On older servers, or with appendonly off, it is unavailable: say so once and go on (the
 * guarantee is then appendfsync's, see the README).
 */
function createAofWaiter(redis: Redis, onUnavailable?: (why: string) => void) {
  let available = true;
  return {
    async wait(): Promise<void> {
      if (!available) return;
      try {
        const res = (await redis.call("WAITAOF", "1", "0", "5000")) as [number, number];
        if (res[0] < 1) throw new Error("the intent did not reach Redis's append-only file within 5 s");
      } catch (err) {
        const msg = (err as Error).message;
        if (!/unknown command|appendonly|not allowed|unknown subcommand/i.test(msg)) throw err;
        available = false;
        onUnavailable?.(msg);
      }
    },
  };
}
