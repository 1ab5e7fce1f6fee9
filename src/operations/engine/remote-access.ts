import type { ClassifyPolicy } from "../../certs/cert-types.js";
import { readNodeCerts } from "../../rke2/read-node-certs.js";
import type { ClusterSpec, NodeSpec } from "../../config/inventory.js";
import { SSH_POOL_DEFAULTS } from "../../config/ssh-pool-settings.js";
import { AppError } from "../../shared/app-error.js";
import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";
import { SshError } from "../../ssh/ssh-error.js";
import type { NodeSession, SshExecutor } from "../../ssh/ssh-executor.js";
import type { RemoteAccess } from "./definition.js";
import { createNodeActions } from "./node-action.js";

/**
 * The node could not be reached, or the connection dropped while a command ran (its outcome is
 * unknown). The engine answers by reconnecting with backoff and re-checking the node's state.
 */
export class ConnectionLostError extends AppError<"connection-lost"> {
  readonly code = "connection-lost";
  constructor(
    readonly node: string,
    message: string,
    cause?: unknown,
  ) {
    super(message, { retryable: true, cause });
  }
}

/**
 * A retryable SshError (unreachable, timed out, dropped) is a lost connection; the rest (host key,
 * credentials, key file, no free slot, aborted) fail as they are: reconnecting cannot help.
 */
const asLost = (node: string, err: unknown): unknown =>
  err instanceof SshError && err.retryable ? new ConnectionLostError(node, err.message, err) : err;

export interface RemoteDeps {
  executor: SshExecutor;
  cluster: ClusterSpec;
  clock: Clock;
  log: Logger;
  policy: ClassifyPolicy;
  commandTimeoutMs: number;
  signal?: AbortSignal;
  /** Bound of every fan-out over nodes (the inventory's ssh.maxConcurrency). */
  concurrency?: number;
}

/**
 * A node's session is opened on first use and shared by the calls running on it at that moment;
 * once the last of them finishes it goes back to the executor (kept warm there, within
 * ssh.keepAliveSeconds), so a cluster of any size never holds more slots than it has calls in flight.
 * A session is dropped on any connection error.
 */
export function createRemoteAccess(d: RemoteDeps): RemoteAccess & { close(): Promise<void> } {
  const held = new Map<string, { s: Promise<NodeSession>; users: number }>();

  const letGo = (h: { s: Promise<NodeSession> }) => void h.s.then((x) => x.close()).catch(() => undefined);

  async function withSession<T>(node: NodeSpec, fn: (s: NodeSession) => Promise<T>): Promise<T> {
    // Lock lost or shutting down: no new connection, no new command (the ledger says where we were).
    if (d.signal?.aborted)
      throw new SshError("aborted", node.name, `not started on ${node.name}: this worker stopped`);
    let h = held.get(node.name);
    if (!h) {
      const opened = { s: d.executor.open(node, { signal: d.signal }), users: 0 };
      opened.s.catch(() => held.get(node.name) === opened && held.delete(node.name));
      held.set(node.name, opened);
      h = opened;
    }
    h.users++;
    try {
      return await fn(await h.s);
    } catch (err) {
      const mapped = asLost(node.name, err);
      // Later calls open a new connection; the ones still on this one see the loss themselves.
      if (mapped instanceof ConnectionLostError && held.get(node.name) === h) held.delete(node.name);
      throw mapped;
    } finally {
      if (--h.users === 0) {
        if (held.get(node.name) === h) held.delete(node.name);
        letGo(h);
      }
    }
  }

  const actions = createNodeActions({
    run: (node, cmd, opts) => access.run(node, cmd, opts),
    clock: d.clock,
    signal: d.signal,
    defaultTimeoutMs: d.commandTimeoutMs,
    log: d.log,
  });
  const access: RemoteAccess & { close(): Promise<void> } = {
    run: (node, cmd, opts) =>
      withSession(node, (s) =>
        s.run(cmd, { timeoutMs: opts?.timeoutMs ?? d.commandTimeoutMs, signal: d.signal }),
      ),
    readCerts: (node) => withSession(node, (s) => readNodeCerts(s, d.policy, d.clock.now())),
    async onAnyServer(cmd, opts) {
      let last: Awaited<ReturnType<RemoteAccess["onAnyServer"]>> | undefined;
      let lostErr: unknown;
      for (const n of d.cluster.nodes) {
        if (n.role !== "server" || opts?.exclude?.includes(n.name)) continue;
        try {
          const res = await access.run(n, cmd, opts);
          if (res.code === 0) return { ...res, server: n.name };
          last = { ...res, server: n.name };
        } catch (err) {
          if (!(err instanceof ConnectionLostError)) throw err;
          lostErr = err;
        }
      }
      if (last) return last;
      throw lostErr ?? new ConnectionLostError(d.cluster.name, `no server of ${d.cluster.name} answered`);
    },
    runOnce: (node, action, cmd, opts) => actions.runOnce(node, action, cmd, opts),
    probeAction: (node, action, opts) => actions.probeAction(node, action, opts),
    concurrency: d.concurrency ?? SSH_POOL_DEFAULTS.maxConcurrency,
    async close() {
      const all = [...held.values()];
      held.clear();
      await Promise.all(all.map((h) => h.s.then((s) => s.close()).catch(() => undefined)));
    },
  };
  return access;
}
