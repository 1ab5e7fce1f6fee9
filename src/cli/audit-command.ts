import { Redis } from "ioredis";
import type { CliEnv } from "../config/cli-env.js";
import type { Inventory } from "../config/inventory.js";
import { summarizeAudit, toJsonLines } from "../operations/audit/audit-record.js";
import { readAudit } from "../queue/audit-stream.js";
import { DEFAULT_PREFIX } from "../queue/connection.js";
import { EXIT } from "./exit-codes.js";

export interface AuditIo {
  out(s: string): void;
  err(s: string): void;
}

/** `rke2-chatops audit <cluster|operation-id>`: the JSON Lines on stdout, the summary on stderr. */
export async function runAudit(
  target: string,
  inventory: Inventory,
  env: CliEnv,
  io: AuditIo,
  prefix = DEFAULT_PREFIX,
): Promise<number> {
  const redis = new Redis(env.redisUrl ?? "redis://127.0.0.1:6379", {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  try {
    await redis.connect();
    const found = await readAudit(redis, prefix, inventory, target);
    if (!found) {
      io.err(`No cluster or operation "${target}" with audit records.`);
      return EXIT.USAGE;
    }
    const jsonl = toJsonLines(found.records);
    if (jsonl) io.out(jsonl.trimEnd());
    io.err(summarizeAudit(target, found.records));
    return EXIT.OK;
  } finally {
    redis.disconnect();
  }
}
