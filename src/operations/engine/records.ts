import type { NodeRole } from "../../config/inventory.js";
import type { OperationKind } from "../operations-api.js";
import type { CommandRequester } from "../requester.js";

/**
 * The operation ledger as stored in Redis. BullMQ only carries "run operation X"; everything that
 * says what happened lives here, written with a fencing epoch (see queue/operation-ledger.ts).
 */
export type OpStatus =
  | "preflight"
  | "preflight-failed"
  | "awaiting-approval"
  | "running"
  | "halted"
  | "completed"
  | "rejected"
  | "expired"
  | "cancelled"
  | "aborted";

export const TERMINAL: ReadonlySet<OpStatus> = new Set<OpStatus>([
  "preflight-failed",
  "completed",
  "rejected",
  "expired",
  "cancelled",
  "aborted",
]);
export const isTerminal = (s: OpStatus): boolean => TERMINAL.has(s);

/** A human decision point. The token travels in the button value; a stale token is a no-op. */
export interface Gate {
  kind: "approval" | "failure";
  token: string;
  /** approval: the phase it opens; failure: the phase that halted. */
  phase: number;
  openedAt: string;
  expiresAt: string;
  /** Distinct approvals needed (absent in records written before N-of-M: 1). */
  required?: number;
  /** Approvals collected so far, in click order. */
  approvals?: Array<{ by: string; name?: string; at: string }>;
  /** The approver principals (users, S… groups) in force when the gate opened, for the message. */
  approvers?: string[];
}

export interface DecisionRecord {
  action: "approve" | "reject" | "retry" | "abort" | "cancel" | "expire";
  by: string;
  at: string;
  phase: number;
}

/** Steps of one node in one phase, frozen at request time so a restart with an edited inventory cannot reorder a roll. */
export interface PlannedItem {
  node: string;
  role: NodeRole;
  steps: string[];
  /** Runs alone after every other item of the phase has finished (a cluster-wide check closing a concurrent phase). */
  final?: boolean;
}

export interface PlannedPhase {
  id: string;
  title: string;
  /** Items running at once (1 = strictly one node at a time). */
  concurrency: number;
  items: PlannedItem[];
}

/** Definition-specific plan text for the operation message (who, what, order, worst expiries). */
export interface PlanText {
  summary: string;
  lines: string[];
}

/** What failed, as shown to the operator (command, exit code, trimmed stderr, where to restore from). */
export interface FailureInfo {
  phase: number;
  node: string;
  step: string;
  message: string;
  command?: string;
  exitCode?: number | null;
  stderr?: string;
  backupDir?: string;
  /** What the engine did afterwards to leave the node serving. */
  recovery: string[];
  at: string;
}

export interface OpRecord {
  id: string;
  kind: OperationKind;
  cluster: string;
  channel: string;
  requestedBy: CommandRequester;
  requestedAt: string;
  /** Definition-specific parameters (e.g. the resolved upgrade target). */
  params: Record<string, unknown>;
  plan: PlanText;
  phases: PlannedPhase[];
  status: OpStatus;
  /** Index of the phase running, or that the open approval gate starts. */
  phase: number;
  gate?: Gate;
  /** Bumped by every approve/retry: names the BullMQ run job, so a double enqueue is a no-op. */
  runSeq: number;
  /** Optimistic-concurrency version, checked by the Lua commit. */
  version: number;
  /** Cluster lock value `<opId>:<fencing token>`. */
  lock: string;
  cancelRequested?: { by: string; at: string };
  failure?: FailureInfo;
  /** A node-start gate (maintenance window) said "not before". */
  waitingUntil?: string;
  waitingReason?: string;
  phaseTimes: Array<{ startedAt?: string; completedAt?: string }>;
  message?: { channel: string; ts: string };
  decisions: DecisionRecord[];
  preflightProblems?: string[];
  finishedAt?: string;
}

export type StepState = "planned" | "intent" | "done" | "unknown" | "failed";

/** One step of one node. `observed` is the node state read right before acting. */
export interface StepRecord {
  state: StepState;
  at: string;
  attempts: number;
  /** Fencing epoch of the delivery that recorded the intent (a different one after a re-delivery). */
  epoch?: number;
  observed?: unknown;
  summary?: string;
  error?: string;
}

/** Per node: step states keyed `<phaseId>/<stepId>`, and facts steps learned (before-serials, backup dir, …). */
export interface NodeLedger {
  node: string;
  steps: Record<string, StepRecord>;
  facts: Record<string, unknown>;
}

export interface AuditEntry {
  at: string;
  kind: "request" | "decision" | "phase" | "step" | "failure" | "status" | "note";
  text: string;
  by?: string;
  node?: string;
  /** For the cluster audit stream: the actor's display name, the verb, the phase, the result. */
  byName?: string;
  action?: string;
  phase?: string;
  outcome?: string;
}

export const stepKey = (phaseId: string, stepId: string): string => `${phaseId}/${stepId}`;
