import type { ClassifyPolicy } from "../../certs/cert-types.js";
import { readNodeCerts } from "../../certs/read-node-certs.js";
import type { ClusterSpec, NodeSpec } from "../../config/inventory.js";
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
export class ConnectionLostError extends Error {
  constructor(
    readonly node: string,
    message: string,
  ) {
    super(message);
    this.name = "ConnectionLostError";
  }
}

/** Host-key mismatch, bad credentials, unreadable key: retrying cannot help. */
const FATAL_KINDS = new Set(["host-key-mismatch", "auth-failed", "key-unreadable", "aborted"]);
const asLost = (node: string, err: unknown): unknown =>
  err instanceof SshError && !FATAL_KINDS.has(err.kind) ? new ConnectionLostError(node, err.message) : err;

export interface RemoteDeps {
  executor: SshExecutor;
  cluster: ClusterSpec;
  clock: Clock;
  log: Logger;
  policy: ClassifyPolicy;
  commandTimeoutMs: number;
  signal?: AbortSignal;
}

/** Sessions are opened lazily, reused for every step of a segment, and dropped on any connection error. */
export function createRemoteAccess(d: RemoteDeps): RemoteAccess & { close(): Promise<void> } {
  const sessions = new Map<string, Promise<NodeSession>>();

  const session = (node: NodeSpec): Promise<NodeSession> => {
    let s = sessions.get(node.name);
    if (!s) {
      s = d.executor.open(node, { signal: d.signal });
      s.catch(() => sessions.delete(node.name));
      sessions.set(node.name, s);
    }
    return s;
  };

  const drop = (node: string) => {
    const s = sessions.get(node);
    sessions.delete(node);
    s?.then((x) => x.close()).catch(() => undefined);
  };

  async function withSession<T>(node: NodeSpec, fn: (s: NodeSession) => Promise<T>): Promise<T> {
    // Lock lost or shutting down: no new connection, no new command (the ledger says where we were).
    if (d.signal?.aborted)
      throw new SshError("aborted", node.name, `not started on ${node.name}: this worker stopped`, false);
    try {
      return await fn(await session(node));
    } catch (err) {
      const mapped = asLost(node.name, err);
      if (mapped instanceof ConnectionLostError) drop(node.name);
      throw mapped;
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
    async close() {
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.all(all.map((p) => p.then((s) => s.close()).catch(() => undefined)));
    },
  };
  return access;
}
