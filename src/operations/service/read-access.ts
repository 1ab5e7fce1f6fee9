import type { Access } from "../../access/access-check.js";
import type { Inventory } from "../../config/inventory.js";
import type { Outcome, ReadScope } from "../operations-api.js";
import type { CommandRequester } from "../requester.js";

/**
 * `readers` for certs, status, explain and audit. A command naming no cluster reads all of them,
 * so it needs every cluster's permission; explain names none and needs any one.
 */
export async function mayRead(
  inv: Inventory,
  access: Access,
  scope: ReadScope,
  by: CommandRequester,
): Promise<Outcome> {
  if (typeof scope === "object") {
    const v = await access.mayRead(scope.cluster, by.userId);
    return v.ok ? { ok: true, message: "" } : { ok: false, message: v.reason };
  }
  const verdicts = await Promise.all(inv.clusters.map((c) => access.mayRead(c.name, by.userId)));
  const refused = verdicts.filter((v): v is { ok: false; reason: string } => !v.ok);
  if (scope === "any" ? refused.length < verdicts.length : refused.length === 0)
    return { ok: true, message: "" };
  const hint = scope === "all" ? " Name a cluster you may read." : "";
  return { ok: false, message: `${refused[0]!.reason}${hint}` };
}
