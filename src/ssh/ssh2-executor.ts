import type { NodeSpec } from "../config/inventory.js";
import { systemClock, type Clock } from "../shared/clock.js";
import { silentLogger, type Logger } from "../shared/logger.js";
import { connectOnce } from "./connect.js";
import { ConnectionPool, healthy, poolKey, type Connection } from "./connection-pool.js";
import { openKeptShell, type KeptShellOptions } from "./kept-shell.js";
import { runCommand, type RunLimits } from "./run-command.js";
import { Semaphore, SlotTimeoutError } from "./semaphore.js";
import { abortedBeforeStart, SshError } from "./ssh-error.js";
import type { CommandResult, NodeSession, RunOptions, SshExecutor } from "./ssh-executor.js";
import { withSudo } from "./shell-quote.js";

export interface Ssh2ExecutorOptions {
  logger?: Logger;
  /** Nodes talked to at once across the whole process (sessions open). */
  maxConcurrency?: number;
  /** How long opening a session waits for a free slot before failing with kind "busy". */
  acquireTimeoutMs?: number;
  /** Keep a connection open this long after use for the next session to the same node; 0 = never. */
  keepAliveMs?: number;
  /** Open connections (idle and in use) at most; at least maxConcurrency. */
  maxOpenConnections?: number;
  agentSocket?: string;
  /** Connection attempts for retryable failures (unreachable, timeout). */
  connectAttempts?: number;
  retryBaseMs?: number;
  defaultCommandTimeoutMs?: number;
  maxOutputBytes?: number;
  keepaliveIntervalMs?: number;
  /** Backoff waits, slot waits and idle eviction go through the clock. */
  clock?: Clock;
  /** The kept shell read-only commands use on kept connections (defaults: ssh/kept-shell.ts). */
  keptShell?: KeptShellOptions;
}

export interface Ssh2Executor extends SshExecutor {
  /** Open and idle connections, for tests and metrics. */
  poolStats(): { open: number; idle: number; busySlots: number };
  /** Close every idle connection now (e.g. the inventory was reloaded). */
  dropIdle(): void;
  close(): Promise<void>;
}

/** The real SshExecutor on ssh2: pinned host keys, bounded concurrency, warm connections, commands never re-run. */
export function createSsh2Executor(opts: Ssh2ExecutorOptions = {}): Ssh2Executor {
  const log = opts.logger ?? silentLogger;
  const clock = opts.clock ?? systemClock;
  const maxConcurrency = opts.maxConcurrency ?? 32;
  const slots = new Semaphore(maxConcurrency, clock);
  const acquireTimeoutMs = opts.acquireTimeoutMs ?? 300_000;
  const keepAliveMs = opts.keepAliveMs ?? 0;
  const pool = new ConnectionPool({
    keepAliveMs,
    maxOpen: Math.max(maxConcurrency, opts.maxOpenConnections ?? 256),
    clock,
    log,
  });
  const attempts = Math.max(1, opts.connectAttempts ?? 3);
  const retryBaseMs = opts.retryBaseMs ?? 500;
  const limits: RunLimits = {
    defaultTimeoutMs: opts.defaultCommandTimeoutMs ?? 120_000,
    maxOutputBytes: opts.maxOutputBytes ?? 8 * 1024 * 1024,
  };
  const connectOpts = {
    agentSocket: opts.agentSocket,
    keepaliveIntervalMs: opts.keepaliveIntervalMs ?? 10_000,
  };

  async function connect(node: NodeSpec, signal?: AbortSignal): Promise<Connection> {
    for (let attempt = 1; ; attempt++) {
      try {
        pool.makeRoom();
        const client = await connectOnce(node, connectOpts);
        const conn: Connection = {
          client,
          key: poolKey(node),
          node: `${node.cluster}/${node.name}`,
          closed: false,
          reuses: 0,
        };
        // connectOnce's listener stays for the client's life; this one keeps the reason for `run`.
        client.on("error", (e: Error) => {
          conn.dropped = e;
          log.debug({ node: node.name, err: e }, "ssh connection error");
        });
        pool.track(conn);
        return conn;
      } catch (err) {
        const retry = err instanceof SshError && err.retryable && attempt < attempts && !signal?.aborted;
        log.warn({ node: node.name, attempt, err, retry }, "ssh connect failed");
        if (!retry) throw err;
        await clock.sleep(retryBaseMs * 2 ** (attempt - 1), signal);
      }
    }
  }

  /**
   * One command on one connection. A read-only one on a kept connection goes through the
   * connection's kept shell when that is free. Everything else is a plain exec: commands that change
   * something or take stdin, connections that are not kept (keep-alive 0), nodes that refused a shell.
   */
  async function runOn(
    conn: Connection,
    nodeName: string,
    line: string,
    o: RunOptions,
  ): Promise<CommandResult> {
    const exec = () => runCommand(conn.client, nodeName, line, o, limits);
    if (!o.readOnly || o.stdin !== undefined || keepAliveMs <= 0 || noShell.has(conn.key)) return exec();
    if (!conn.shell || conn.shell.closed) {
      try {
        conn.shell = await openKeptShell(conn.client, nodeName, opts.keptShell);
      } catch (err) {
        if (!healthy(conn)) throw err;
        // A ForceCommand, a node's MaxSessions: not asked again while its settings stay the same.
        noShell.add(conn.key);
        log.info({ node: nodeName, err }, "kept shell refused; read-only commands use exec");
        return exec();
      }
    }
    if (conn.shell.busy) return exec();
    const res = await conn.shell.run(line, o, limits);
    if (res !== "gone") return res;
    // The connection went with it. (Redone on a new connection only where a command that could not
    // start would be: the first command on a reused connection. This one only reads.)
    if (!healthy(conn))
      throw new SshError(
        "disconnected",
        nodeName,
        `connection to ${nodeName} dropped while running a command; its outcome is unknown`,
      );
    // Only the shell ended (killed on the node). The command only reads, so it may run once more.
    log.debug({ node: nodeName }, "kept shell ended during a read-only command; running it as an exec");
    return exec();
  }

  /** Pool keys of nodes that refused a kept shell. */
  const noShell = new Set<string>();

  async function acquire(node: NodeSpec, signal?: AbortSignal): Promise<() => void> {
    try {
      return await slots.acquire({ timeoutMs: acquireTimeoutMs, signal });
    } catch (err) {
      if (err instanceof SlotTimeoutError)
        throw new SshError(
          "busy",
          node.name,
          `not started on ${node.name}: all ${maxConcurrency} SSH slots of this process stayed busy for ${Math.round(acquireTimeoutMs / 1000)} s (ssh.maxConcurrency)`,
        );
      throw abortedBeforeStart(node.name);
    }
  }

  return {
    async open(node, openOpts) {
      const release = await acquire(node, openOpts?.signal);
      let conn: Connection;
      try {
        conn = pool.take(node) ?? (await connect(node, openOpts?.signal));
      } catch (err) {
        release();
        throw err;
      }
      // Until a command has started on it, a reused connection that turns out dead is replaced.
      let replaceable = conn.reuses > 0;
      let done = false;
      // A connection that drops frees its slot even if the caller never closes the session.
      const onDrop = () => {
        if (!replaceable) release();
      };
      conn.client.once("close", onDrop);
      const closedError = (c: Connection) =>
        new SshError(
          "disconnected",
          node.name,
          `connection to ${node.name} is closed${c.dropped ? `: ${c.dropped.message}` : ""}`,
        );
      const session: NodeSession = {
        node,
        async run(cmd, runOpts = {}) {
          if (done) throw new SshError("disconnected", node.name, `session to ${node.name} was closed`);
          const line = withSudo(cmd, node.ssh.sudo).line;
          for (;;) {
            if (conn.closed && !replaceable) throw closedError(conn);
            try {
              if (conn.closed) throw closedError(conn);
              const res = await runOn(conn, node.name, line, runOpts);
              replaceable = false;
              if (res.code === null && !res.timedOut && conn.closed)
                throw new SshError(
                  "disconnected",
                  node.name,
                  `connection to ${node.name} dropped while running a command; its outcome is unknown`,
                );
              log.debug({ node: node.name, code: res.code, ms: res.durationMs }, "ssh command done");
              return res;
            } catch (err) {
              // runCommand rejects "disconnected" only when the command could not start: safe to redo.
              if (!(replaceable && err instanceof SshError && err.kind === "disconnected")) throw err;
              log.debug({ node: node.name, err }, "pooled connection dead; reconnecting");
              conn.client.removeListener("close", onDrop);
              conn.client.end();
              replaceable = false;
              conn = await connect(node, runOpts.signal ?? openOpts?.signal);
              conn.client.once("close", onDrop);
            }
          }
        },
        async close() {
          if (done) return;
          done = true;
          conn.client.removeListener("close", onDrop);
          release();
          await pool.give(conn);
        },
      };
      return session;
    },
    poolStats: () => ({ ...pool.stats(), busySlots: slots.inUse }),
    dropIdle: () => pool.clear(),
    close: () => pool.close(),
  };
}
