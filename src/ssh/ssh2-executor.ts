import type { Client } from "ssh2";
import type { NodeSpec } from "../config/inventory.js";
import { systemClock, type Clock } from "../shared/clock.js";
import { silentLogger, type Logger } from "../shared/logger.js";
import { connectOnce } from "./connect.js";
import { runCommand, type RunLimits } from "./run-command.js";
import { Semaphore } from "./semaphore.js";
import { SshError } from "./ssh-error.js";
import type { NodeSession, SshExecutor } from "./ssh-executor.js";
import { withSudo } from "./shell-quote.js";

export interface Ssh2ExecutorOptions {
  logger?: Logger;
  /** Nodes connected at once across the whole process. */
  maxConcurrency?: number;
  agentSocket?: string;
  /** Connection attempts for retryable failures (unreachable, timeout). */
  connectAttempts?: number;
  retryBaseMs?: number;
  defaultCommandTimeoutMs?: number;
  maxOutputBytes?: number;
  keepaliveIntervalMs?: number;
  /** Backoff waits go through the clock. */
  clock?: Clock;
}

/** The real SshExecutor on ssh2: pinned host keys, bounded concurrency, commands never re-run. */
export function createSsh2Executor(opts: Ssh2ExecutorOptions = {}): SshExecutor {
  const log = opts.logger ?? silentLogger;
  const clock = opts.clock ?? systemClock;
  const slots = new Semaphore(opts.maxConcurrency ?? 32);
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

  async function connectWithRetry(node: NodeSpec, signal?: AbortSignal): Promise<Client> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await connectOnce(node, connectOpts);
      } catch (err) {
        const retry = err instanceof SshError && err.retryable && attempt < attempts && !signal?.aborted;
        log.warn({ node: node.name, attempt, err: (err as Error).message, retry }, "ssh connect failed");
        if (!retry) throw err;
        await clock.sleep(retryBaseMs * 2 ** (attempt - 1), signal);
      }
    }
  }

  return {
    async open(node, openOpts) {
      const release = await slots.acquire();
      let client: Client;
      try {
        client = await connectWithRetry(node, openOpts?.signal);
      } catch (err) {
        release();
        throw err;
      }
      let closed = false;
      let dropped: Error | undefined;
      client.on("close", () => {
        closed = true;
        release();
      });
      // connectOnce's listener stays for the client's life; this one keeps the reason for `run`.
      client.on("error", (e: Error) => {
        dropped = e;
        log.debug({ node: node.name, err: e.message }, "ssh connection error");
      });
      const session: NodeSession = {
        node,
        async run(cmd, runOpts = {}) {
          if (closed)
            throw new SshError(
              "disconnected",
              node.name,
              `connection to ${node.name} is closed${dropped ? `: ${dropped.message}` : ""}`,
              false,
            );
          const line = withSudo(cmd, node.ssh.sudo).line;
          const res = await runCommand(client, node.name, line, runOpts, limits);
          if (res.code === null && !res.timedOut && closed)
            throw new SshError(
              "disconnected",
              node.name,
              `connection to ${node.name} dropped while running a command; its outcome is unknown`,
              false,
            );
          log.debug({ node: node.name, code: res.code, ms: res.durationMs }, "ssh command done");
          return res;
        },
        async close() {
          if (closed) return;
          await new Promise<void>((resolve) => {
            client.once("close", () => resolve());
            client.end();
          });
        },
      };
      return session;
    },
  };
}
