import type { Redis } from "ioredis";
import type { Inventory } from "../config/inventory.js";
import { toAuditRecord, type AuditRecord, type StoredAuditEntry } from "../operations/audit/audit-record.js";
import { operationKeys } from "./operation-keys.js";

const PAGE = 1000;

async function readStream(redis: Redis, key: string): Promise<StoredAuditEntry[]> {
  const out: StoredAuditEntry[] = [];
  for (let start = "-"; ;) {
    const page = (await redis.xrange(key, start, "+", "COUNT", PAGE)) as Array<[string, string[]]>;
    for (const [, fields] of page) {
      const i = fields.indexOf("e");
      if (i >= 0 && fields[i + 1]) out.push(JSON.parse(fields[i + 1]!) as StoredAuditEntry);
    }
    if (page.length < PAGE) return out;
    start = `(${page.at(-1)![0]}`;
  }
}

/**
 * The audit records of a cluster (its whole stream) or of one operation (the events of its
 * cluster's stream that name it), oldest first. `undefined` when the target is neither.
 */
export async function readAudit(
  redis: Redis,
  prefix: string,
  inventory: Inventory,
  target: string,
): Promise<{ cluster: string; records: AuditRecord[] } | undefined> {
  const k = operationKeys(prefix);
  if (inventory.clusters.some((c) => c.name === target))
    return { cluster: target, records: (await readStream(redis, k.auditStream(target))).map(toAuditRecord) };
  const json = await redis.hget(k.op(target), "json");
  const clusters = json
    ? [(JSON.parse(json) as { cluster: string }).cluster]
    : inventory.clusters.map((c) => c.name); // record expired: look in every stream
  for (const cluster of clusters) {
    const rs = (await readStream(redis, k.auditStream(cluster))).filter((e) => e.op === target);
    if (rs.length) return { cluster, records: rs.map(toAuditRecord) };
  }
  return undefined;
}
