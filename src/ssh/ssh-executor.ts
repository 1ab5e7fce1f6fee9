import type { NodeSpec } from "../config/inventory.js";
import type { RemoteCommand } from "./shell-quote.js";

/** What one remote command did. `code` is null when the command was killed by a signal or timed out. */
export interface CommandResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  /** true when output passed the size cap and was cut. */
  truncated: boolean;
  timedOut: boolean;
  durationMs: number;
}

export interface RunOptions {
  timeoutMs?: number;
  /** Bytes written to the command's stdin, then EOF. */
  stdin?: string | Buffer;
  signal?: AbortSignal;
  /**
   * The command only reads (a scan): on a kept connection it may run in that connection's kept shell
   * (ssh/kept-shell.ts) instead of a new exec, and it may run again if that shell ended before
   * answering. Never set for a command that changes anything.
   */
  readOnly?: boolean;
}

/** One authenticated connection to one node, reused for every command of one operation step. */
export interface NodeSession {
  readonly node: NodeSpec;
  /** Runs the command once. Never retries: a command that may have run is not re-run. */
  run(cmd: RemoteCommand, opts?: RunOptions): Promise<CommandResult>;
  close(): Promise<void>;
}

/**
 * The port every remote action goes through. Adapters: ssh2-executor.ts (real).
 * open() verifies the pinned host key; connection failures may be retried with backoff,
 * and reject with an SshError whose `kind` tells why.
 */
export interface SshExecutor {
  open(node: NodeSpec, opts?: { signal?: AbortSignal }): Promise<NodeSession>;
}
