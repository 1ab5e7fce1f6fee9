import { createHash, timingSafeEqual } from "node:crypto";
import type { CompletionAction } from "../engine/definition.js";
import type { OperationLedger } from "../engine/ports.js";
import type { OpRecord } from "../engine/records.js";
import type { Outcome } from "../operations-api.js";
import type { CommandRequester } from "../requester.js";
import { authorizeRefresh, runRefresh, type RefreshDeps } from "./refresh-kubeconfigs.js";

/** action_id of the Refresh kubeconfig copies button on a rotation's completion note. */
export const REFRESH_KUBECONFIGS_ACTION = "refresh-kubeconfigs";

/** At most one refresh per operation's button; `ok: false` names who holds it. */
export interface RefreshClaims {
  claim(opId: string, by: string, at: string): Promise<{ ok: true } | { ok: false; by: string; at: string }>;
  release(opId: string): Promise<void>;
}

/**
 * The button's token: a digest of the completed operation's id, lock value (never shown in Slack)
 * and finish time, so it is recomputed from the ledger rather than stored, and fits one op only.
 */
export function refreshToken(op: Pick<OpRecord, "id" | "lock" | "finishedAt">): string {
  return createHash("sha256")
    .update(`kubeconfig-refresh\n${op.id}\n${op.lock}\n${op.finishedAt ?? ""}`)
    .digest("base64url")
    .slice(0, 32);
}

export function refreshOffer(op: OpRecord): CompletionAction {
  return {
    actionId: REFRESH_KUBECONFIGS_ACTION,
    text: "Refresh kubeconfig copies",
    bind: { op: op.id, token: refreshToken(op) },
    style: "primary",
  };
}

export interface RefreshClickDeps extends RefreshDeps {
  ledger: Pick<OperationLedger, "get">;
  claims: RefreshClaims;
  /** Posts the result in the operation's thread; `message` names nodes and paths (escaped there). */
  thread(op: OpRecord, note: { by: string; message: string; ok: boolean }): Promise<void>;
}

const sameToken = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * A click on Refresh kubeconfig copies: bound to its completed operation by the token, accepted
 * from the cluster's approvers only, run once (a second click is a no-op), audited, and its result
 * posted in the operation's thread. Refusals go back to the clicker alone.
 */
export async function refreshFromButton(
  deps: RefreshClickDeps,
  /** The button's binding as the Slack layer decoded it; undefined = malformed. */
  bound: { op: string; token: string } | undefined,
  by: CommandRequester,
): Promise<Outcome> {
  if (!bound) return { ok: false, message: "This button is malformed; see `/rke2 status`." };
  const op = await deps.ledger.get(bound.op);
  if (!op || op.status !== "completed" || !sameToken(bound.token, refreshToken(op)))
    return {
      ok: false,
      message: `This button is out of date; use \`/rke2 refresh-kubeconfigs ${op?.cluster ?? "<cluster>"}\`.`,
    };
  const allowed = await authorizeRefresh(deps, op.cluster, by, op.id);
  if (!allowed.ok) return { ok: false, message: allowed.message, operationId: op.id };
  const at = deps.clock.now().toISOString();
  const claim = await deps.claims.claim(op.id, by.userId, at);
  if (!claim.ok)
    return {
      ok: false,
      message: `The kubeconfig copies of ${op.id} were already refreshed by <@${claim.by}> at ${claim.at}; nothing changed (\`/rke2 refresh-kubeconfigs ${op.cluster}\` looks again).`,
      operationId: op.id,
    };
  let result;
  try {
    result = await runRefresh(deps, allowed.cluster, by, op.id);
  } catch (err) {
    await deps.claims.release(op.id);
    throw err;
  }
  // A partial failure may be pressed again: the next run finds only what is still stale.
  if (!result.ok) await deps.claims.release(op.id);
  await deps.thread(op, { by: by.userId, message: result.message, ok: result.ok });
  return { ok: true, message: result.message, operationId: op.id };
}
