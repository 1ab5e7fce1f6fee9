import type { CommandRequester } from "./requester.js";

/** A registered definition's kind ("rotate", "upgrade", "renew", …): the engine knows no list of them. */
export type OperationKind = string;
export type DecisionAction = "approve" | "reject" | "retry" | "abort";

/** What the Slack layer gets back; rendered by slack/, never thrown. */
export type Outcome =
  { ok: true; message: string; operationId?: string } | { ok: false; message: string; operationId?: string };

/** `/rke2 audit`: the records as JSON Lines plus a short summary, or why not. */
export type AuditAnswer =
  | { ok: true; message: string; cluster: string; filename: string; jsonl: string }
  | { ok: false; message: string };

/** Which clusters a read command touches: one, every cluster (no cluster named), or none in particular (explain). */
export type ReadScope = { cluster: string } | "all" | "any";

/**
 * The use-case boundary the Slack listeners call. Implemented in operations/ (engine); the Slack
 * layer only parses input, calls these, and renders the Outcome. No Slack types cross it.
 */
export interface OperationsApi {
  /** Validate, run the preflight, post the plan with Approve/Reject (through the OperationNotifier). */
  request(kind: OperationKind, cluster: string, args: string[], by: CommandRequester): Promise<Outcome>;
  /** A button click. `token` binds the click to (operation, gate, nonce) and makes double clicks no-ops. */
  decide(operationId: string, action: DecisionAction, token: string, by: CommandRequester): Promise<Outcome>;
  cancel(operationId: string, by: CommandRequester): Promise<Outcome>;
  /** Human-readable status lines (active operation + recent audit) for one or all clusters. */
  status(cluster?: string): Promise<Outcome>;
  /** `readers`: may `by` run a read command on this scope? Absent = anyone (test doubles). */
  mayRead?(scope: ReadScope, by: CommandRequester): Promise<Outcome>;
  /** The cluster's or the operation's audit trail. */
  audit?(target: string, by: CommandRequester): Promise<AuditAnswer>;
}
