import { randomBytes } from "node:crypto";
import type { Inventory } from "../../config/inventory.js";
import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";
import type { SshExecutor } from "../../ssh/ssh-executor.js";
import type { OperationKind } from "../operations-api.js";
import type { Access } from "../../access/access-check.js";
import type { OperationDefinition } from "../engine/definition.js";
import type { OperationLedger, OperationNotifier, OperationScheduler } from "../engine/ports.js";
import type { AuditEntry, OpRecord } from "../engine/records.js";

/** What the API side (request/decide/cancel/status) needs; web replicas build only this. */
export interface ServiceDeps {
  inventory: Inventory;
  definitions: ReadonlyMap<OperationKind, OperationDefinition>;
  ledger: OperationLedger;
  scheduler: OperationScheduler;
  notifier: OperationNotifier;
  executor: SshExecutor;
  clock: Clock;
  logger: Logger;
  /** Per-cluster policy and group-resolved membership (requesters, readers, approvers, channelOnly). */
  access: Access;
  /** The cluster lock expires after this while a preflight runs, in case the process dies mid-preflight. */
  preflightLockTtlMs: number;
  commandTimeoutMs: number;
  newToken(): string;
  newOpId(kind: OperationKind): string;
}

/** Gate nonce: 128 random bits, base64url (fits the button value schema). */
export const randomToken = (): string => randomBytes(16).toString("base64url");

/** `rot-k3x9a2mf`: short enough to type in `/rke2 cancel`, random enough not to collide. */
export function randomOpId(prefix: string): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const tail = [...randomBytes(8)].map((b) => alphabet[b % alphabet.length]).join("");
  return `${prefix}-${tail}`;
}

export const auditOf = (
  at: Date,
  kind: AuditEntry["kind"],
  text: string,
  by?: string,
  extra: Partial<AuditEntry> = {},
): AuditEntry[] => [{ at: at.toISOString(), kind, text, ...(by ? { by } : {}), ...extra }];

/** Read-modify-write of an op record from the API side, retried on a version race. `fn` returning undefined = nothing to do. */
export async function patchOp(
  ledger: OperationLedger,
  id: string,
  fn: (op: OpRecord) => OpRecord | undefined,
  audit: AuditEntry[] = [],
): Promise<OpRecord | undefined> {
  for (let i = 0; i < 20; i++) {
    const op = await ledger.get(id);
    if (!op) return undefined;
    const next = fn(op);
    if (!next) return op;
    if (await ledger.casOp(op, next, audit)) return { ...next, version: op.version + 1 };
  }
  throw new Error(`operation ${id}: too many concurrent updates`);
}
