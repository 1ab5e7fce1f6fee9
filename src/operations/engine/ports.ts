import type { ClusterSpec, NodeSpec } from "../../config/inventory.js";
import type { CompletionText, RemoteAccess } from "./definition.js";
import type { AuditEntry, NodeLedger, OpRecord } from "./records.js";
import { AppError } from "../../shared/app-error.js";

/** A newer attempt (another worker after a stall) owns the operation: stop without writing. */
export class FencedError extends AppError<"fenced"> {
  readonly code = "fenced";
  constructor(readonly opId: string) {
    // Not retried: the newer attempt carries the operation on.
    super(`operation ${opId}: a newer attempt holds the ledger; this worker stops`, { retryable: false });
  }
}

/** The cluster lock this operation took is gone or held by another operation. */
export class ClusterLockLostError extends AppError<"cluster-lock-lost"> {
  readonly code = "cluster-lock-lost";
  constructor(
    readonly opId: string,
    readonly cluster: string,
  ) {
    super(`operation ${opId} no longer holds the lock of cluster ${cluster}`, { retryable: false });
  }
}

export type LockAction = "persist" | "release";

/**
 * The operation ledger (adapter: queue/operation-ledger.ts on Redis + Lua). Writes made by the
 * engine carry the attempt epoch and throw FencedError when it is stale; writes made by API calls
 * (decisions, cancel) are compare-and-set on the record version and return false on a race.
 */
export interface OperationLedger {
  get(id: string): Promise<OpRecord | undefined>;
  nodes(id: string): Promise<Map<string, NodeLedger>>;
  audit(id: string, last?: number): Promise<AuditEntry[]>;
  create(op: OpRecord, nodes: NodeLedger[], audit: AuditEntry[]): Promise<boolean>;
  /**
   * CAS on prev.version; writes next with version+1 (and, atomically, any node ledgers given).
   * With lock "persist", throws ClusterLockLostError (writing nothing) unless next.lock holds the cluster.
   */
  casOp(
    prev: OpRecord,
    next: OpRecord,
    audit: AuditEntry[],
    lock?: LockAction,
    nodes?: NodeLedger[],
  ): Promise<boolean>;
  /** Start an engine attempt: bumps and returns the fencing epoch. */
  beginAttempt(id: string): Promise<number>;
  /** Fenced CAS; false on a version race (re-read and retry), FencedError when the epoch is stale. */
  commitOp(
    epoch: number,
    prev: OpRecord,
    next: OpRecord,
    audit: AuditEntry[],
    lock?: LockAction,
  ): Promise<boolean>;
  /** Fenced write of one node's ledger. */
  commitNode(opId: string, epoch: number, node: NodeLedger, audit: AuditEntry[]): Promise<void>;
  /** One operation per cluster: NX lock with a fencing token; a TTL until persisted (preflight may die). */
  acquireClusterLock(
    cluster: string,
    opId: string,
    ttlMs: number,
  ): Promise<{ ok: true; lock: string } | { ok: false; holder: string }>;
  /** Renew the preflight TTL; false when `lock` no longer holds the cluster. */
  extendClusterLock(cluster: string, lock: string, ttlMs: number): Promise<boolean>;
  /** Before a segment acts: the lock is ours ('held'), was missing and is ours again, or whose it is. */
  ensureClusterLock(cluster: string, lock: string): Promise<"held" | "reclaimed" | { holder: string }>;
  lockHolder(cluster: string): Promise<string | undefined>;
  /** Events that change no state (refused requests and clicks) onto the cluster's audit stream. */
  appendAudit(cluster: string, opId: string | undefined, entries: AuditEntry[]): Promise<void>;
  activeOps(): Promise<string[]>;
  recentOps(cluster: string, n: number): Promise<string[]>;
}

/** Transport (adapter: queue/operation-queue.ts on BullMQ). Idempotent by job id. */
export interface OperationScheduler {
  enqueueRun(opId: string, runSeq: number): Promise<void>;
  scheduleExpiry(opId: string, token: string, at: Date): Promise<void>;
}

/** A note for the operation's thread. */
export type ThreadNote =
  | { kind: "text"; text: string }
  | { kind: "phase-report"; phaseTitle: string; lines: string[] }
  | { kind: "failure"; op: OpRecord }
  | ({ kind: "completion"; op: OpRecord } & CompletionText)
  | ({ kind: "progress" } & ProgressNote);

/** A phase's live progress (mrkdwn lines, untrusted parts already escaped by the step). */
export interface ProgressNote {
  phaseTitle: string;
  lines: string[];
}

/** Outbound messages of an operation (adapter: slack/chat-notifier.ts over ChatPort + Block Kit renderers). */
export interface OperationNotifier {
  postMain(op: OpRecord, nodes: ReadonlyMap<string, NodeLedger>): Promise<{ channel: string; ts: string }>;
  updateMain(op: OpRecord, nodes: ReadonlyMap<string, NodeLedger>): Promise<void>;
  thread(op: OpRecord, note: ThreadNote): Promise<void>;
  /**
   * The phase's live progress message in the thread: posted when `ts` is undefined, else updated in
   * place. Best effort; returns the message's ts (undefined when the post failed: the next report retries).
   */
  progress(op: OpRecord, note: ProgressNote, ts?: string): Promise<string | undefined>;
}

export type NodeStartDecision = { ok: true } | { ok: false; notBefore: Date; reason: string };

/**
 * Seams for later features: maintenance windows answer mayStartNode, application checks answer
 * afterNode. `probe` marks named points of the engine (tests use it to SIGKILL a worker there).
 */
export interface EngineHooks {
  mayStartNode?(ctx: {
    op: OpRecord;
    cluster: ClusterSpec;
    node: NodeSpec;
    phaseId: string;
    now: Date;
  }): Promise<NodeStartDecision>;
  afterNode?(ctx: {
    op: OpRecord;
    cluster: ClusterSpec;
    node: NodeSpec;
    phaseId: string;
    /** The node's item had a disruptive step (the node went down or was drained and is now back). */
    disrupted: boolean;
  }): Promise<{ ok: true } | { ok: false; message: string }>;
  /**
   * Just before a disruptive step (stop, restart, drain) acts on `node`: is the rest of the cluster
   * healthy enough to lose this node now? `busy`: nodes this phase works on concurrently.
   */
  beforeDisruptive?(ctx: {
    op: OpRecord;
    cluster: ClusterSpec;
    node: NodeSpec;
    phaseId: string;
    remote: RemoteAccess;
    busy: ReadonlySet<string>;
  }): Promise<{ ok: true } | { ok: false; problems: string[] }>;
  probe?(point: string): void | Promise<void>;
}
