import type { z } from "zod";
import type { CertRecord } from "../../certs/cert-types.js";
import type { ClusterSpec, Inventory, NodeSpec } from "../../config/inventory.js";
import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";
import type { ActionRef } from "../../rke2/node-action-script.js";
import type { RemoteCommand } from "../../ssh/shell-quote.js";
import type { CommandResult } from "../../ssh/ssh-executor.js";
import type { OperationKind } from "../operations-api.js";
import type { ActionProbe } from "./node-action.js";
import type { NodeLedger, OpRecord, PlanText, PlannedPhase, StepRecord } from "./records.js";

/**
 * An operation is data plus functions: phases (each behind an approval gate), each a list of
 * per-node steps the engine runs check → act → verify. Rotation and upgrade are two definitions
 * of this one shape; the engine knows nothing about certificates or versions.
 */
export interface OperationDefinition {
  kind: OperationKind;
  /** Operation ids start with this (`rot-k3x9a2mf`); unique in the registry. */
  idPrefix: string;
  title: string;
  /** How `/rke2` offers it (absent on a variant: it runs under the command it is a variant of). */
  command?: CommandSpec;
  /**
   * The words after `/rke2 <command> <cluster>` → params. The one validation: the Slack parser
   * accepts what some definition of the command accepts, the request runs the picked one's.
   */
  args: ArgSchema;
  /**
   * A form the command accepts that this definition cannot run (`upgrade … suc` with no SUC variant
   * registered): the refusal, checked with the arguments before anything is locked. Pure.
   */
  unavailable?(params: Record<string, unknown>): string | undefined;
  /**
   * This definition is another way to run the command `kind` (SUC upgrades for `upgrade`, Rancher
   * rotation for `rotate`): a request for `kind` runs this one when applies() says so. Pure.
   */
  variantOf?: { kind: OperationKind; applies(cluster: ClusterSpec, args: readonly string[]): boolean };
  /** Runs on a cluster whose inventory lists no nodes (Rancher, through its API); others are refused there. */
  withoutNodes?: boolean;
  /** Read-only checks before anything is posted for approval. */
  preflight(ctx: PreflightContext): Promise<PreflightResult>;
  phases: PhaseDef[];
  /**
   * Abort of a halted operation, before its lock is released: undo what must not outlive it (SUC
   * plans a controller would keep acting on). Idempotent, best effort; lines for the thread.
   */
  onAbort?(ctx: AbortContext): Promise<string[]>;
  /** Lines for the final message (e.g. the before/after table). Pure over the ledger. */
  completion(op: OpRecord, nodes: ReadonlyMap<string, NodeLedger>): CompletionText;
}

/** Validates the argument words and turns them into the operation's params. */
export type ArgSchema = z.ZodType<Record<string, unknown>>;

/** An operation's subcommand, as plain data: the Slack parser, `/rke2 help` and the manifest read it. */
export interface CommandSpec {
  /** `/rke2 <name> <cluster> …` */
  name: string;
  /** The whole usage line, e.g. "/rke2 upgrade <cluster> <version|channel> [ssh|suc]". */
  usage: string;
  /** One line for `/rke2 help`. */
  summary: string;
  /** The ack while the preflight runs ("Preparing a … plan for <cluster>…"). `args`: the words after the cluster. */
  preparing(cluster: string, args: readonly string[]): string;
}

export interface CompletionText {
  table: { headers: string[]; rows: string[][] };
  notes: string[];
  /** Buttons under the completion note (e.g. Refresh kubeconfig copies); each handler checks its own value. */
  actions?: CompletionAction[];
}

/** A button on the completion note, bound to its operation by a token (the Slack layer encodes it). */
export interface CompletionAction {
  actionId: string;
  text: string;
  bind: { op: string; token: string };
  style?: "primary" | "danger";
}

export type PreflightResult =
  | {
      ok: true;
      plan: PlanText;
      phases: PlannedPhase[];
      params: Record<string, unknown>;
      facts?: Record<string, Record<string, unknown>>;
    }
  | { ok: false; problems: string[] };

export interface PreflightContext {
  opId: string;
  inventory: Inventory;
  cluster: ClusterSpec;
  params: Record<string, unknown>;
  remote: RemoteAccess;
  clock: Clock;
  log: Logger;
}

export interface PhaseDef {
  id: string;
  title: string;
  /** In the order a node runs them; each keyed by its own `id` (what plans name). */
  steps: StepDef[];
  /** Best effort after a failed step: leave the node serving. Returns what it did, for the report. */
  recover?(ctx: StepContext, ledger: Readonly<NodeLedger>): Promise<string[]>;
  /**
   * After a halt, once every item still in flight has settled: cluster-wide lines for the failure
   * report (e.g. which nodes are left cordoned). Read-only; errors become a line.
   */
  afterHalt?(ctx: PhaseContext): Promise<string[]>;
  /** Thread reply once the phase is done (paths and sizes, new expiry dates, reminders). Pure. */
  report(op: OpRecord, nodes: ReadonlyMap<string, NodeLedger>): string[];
}

/** What check() saw. `done` = the step's effect is already on the node (resume, retry, SSH drop). */
export interface CheckResult {
  done: boolean;
  observed?: unknown;
  /** Facts learned while checking (e.g. a backup dir found after a crash). */
  facts?: Record<string, unknown>;
  /** The act already ran (found in the node's action record): act() takes this result, never re-runs. */
  recorded?: { result: CommandResult; on: string };
}

export type StepOutcome =
  | { ok: true; facts?: Record<string, unknown>; summary?: string; warnings?: string[] }
  | { ok: false; failure: StepFailure; facts?: Record<string, unknown> };

export interface StepFailure {
  message: string;
  command?: string;
  exitCode?: number | null;
  stderr?: string;
}

export interface StepDef {
  id: string;
  title: string;
  check(ctx: StepContext): Promise<CheckResult>;
  act(ctx: StepContext, check: CheckResult): Promise<StepOutcome>;
  verify(ctx: StepContext, check: CheckResult): Promise<StepOutcome>;
  /** On Retry after a failure of this step, start again from this step of the same node (default: itself). */
  retryFrom?: string;
  /** Only reads the node (waits, verifications): no intent is recorded, verify() does the work. */
  readOnly?: boolean;
  /** Acting interrupts the node's service or workloads (stop, restart, drain): application checks follow it. */
  disruptive?: boolean;
}

/** The phase's step named `id` in a plan, if the definition has one. */
export const stepOf = (phase: PhaseDef, id: string): StepDef | undefined =>
  phase.steps.find((s) => s.id === id);

/** A step that changes nothing on the node: verify() is all it does. */
export function readOnlyStep(s: Pick<StepDef, "id" | "title" | "verify" | "retryFrom">): StepDef {
  return { ...s, readOnly: true, check: async () => ({ done: true }), act: async () => ({ ok: true }) };
}

export interface StepContext {
  op: OpRecord;
  phase: PlannedPhase;
  node: NodeSpec;
  cluster: ClusterSpec;
  inventory: Inventory;
  /** This node's facts so far (merged from earlier steps and phases). */
  facts: Readonly<Record<string, unknown>>;
  record: StepRecord;
  /** The ledger says the act may already have run (intent/unknown): check() must look, not assume. */
  resumed: boolean;
  remote: RemoteAccess;
  clock: Clock;
  signal: AbortSignal;
  log: Logger;
  /**
   * Mid-step progress (long waits): the latest lines replace the phase's one progress message in the
   * thread, coalesced and rate-limited. Mrkdwn: escape what came from nodes or the cluster.
   */
  progress(lines: string[]): void;
}

/** What onAbort sees: the halted operation and a way to reach its cluster. */
export type AbortContext = Pick<StepContext, "op" | "cluster" | "inventory" | "remote" | "clock" | "log">;

/** What a phase-wide hook sees: a StepContext without a node. */
export type PhaseContext = Pick<
  StepContext,
  "op" | "phase" | "cluster" | "inventory" | "remote" | "clock" | "signal" | "log"
>;

/** Remote access with connection loss turned into ConnectionLostError (the engine reconnects and re-checks). */
export interface RemoteAccess {
  /** How many nodes a fan-out talks to at once (ssh.maxConcurrency); see common/for-nodes.ts. */
  readonly concurrency?: number;
  run(node: NodeSpec, cmd: RemoteCommand, opts?: { timeoutMs?: number }): Promise<CommandResult>;
  readCerts(node: NodeSpec): Promise<CertRecord[]>;
  /** Run on the first server that answers, in inventory order (kubectl needs a live API). */
  onAnyServer(
    cmd: RemoteCommand,
    opts?: { exclude?: string[]; timeoutMs?: number },
  ): Promise<CommandResult & { server: string }>;
  /** A state-changing command, at most once per attempt: detached on the node under a lock, result recorded there. */
  runOnce(
    node: NodeSpec,
    action: ActionRef,
    cmd: RemoteCommand,
    opts?: { timeoutMs?: number },
  ): Promise<CommandResult>;
  /** What the node's record says about an attempt; waits (bounded) while it still runs. */
  probeAction(node: NodeSpec, action: ActionRef, opts?: { timeoutMs?: number }): Promise<ActionProbe>;
}
