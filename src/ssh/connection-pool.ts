import type { Client } from "ssh2";
import type { NodeSpec } from "../config/inventory.js";
import type { Clock } from "../shared/clock.js";
import type { Logger } from "../shared/logger.js";
import type { KeptShell } from "./kept-shell.js";

/** One authenticated connection; its state is kept by listeners attached once, when it was made. */
export interface Connection {
  readonly client: Client;
  readonly key: string;
  readonly node: string;
  closed: boolean;
  /** Why it closed, when ssh2 told us. */
  dropped?: Error;
  /** How many times it was handed out again after its first use. */
  reuses: number;
  /** The shell read-only commands run in while the connection is kept (closes with it). */
  shell?: KeptShell;
}

/**
 * Everything a connection's identity depends on: a changed host, port, user, pinned host key or key
 * file (inventory edit, host key rotation) never reuses a connection made under the old values.
 */
export const poolKey = (n: NodeSpec): string =>
  JSON.stringify([
    n.cluster,
    n.name,
    n.ssh.host,
    n.ssh.port,
    n.ssh.user,
    n.ssh.hostKey,
    n.ssh.privateKeyPath,
  ]);

export interface PoolOptions {
  /** How long an unused connection stays open; 0 closes it as soon as it is given back. */
  keepAliveMs: number;
  /** Open connections (idle and in use) at most; idle ones are closed oldest first to make room. */
  maxOpen: number;
  clock: Clock;
  log: Logger;
}

/** The sweep's abort reason (a reason of our own: without one, abort() builds a DOMException). */
const POOL_CLOSED = new Error("connection pool closed");

interface Idle {
  conn: Connection;
  since: number;
}

/**
 * Warm connections kept after use, checked before reuse, evicted when idle past keepAliveMs.
 * One sweep timer for the whole pool, armed for the oldest idle connection: a timer (and its
 * abort) per connection per use cost a re-scan more than its remote commands' bookkeeping.
 */
export class ConnectionPool {
  private readonly idle = new Map<string, Idle[]>();
  private readonly open = new Set<Connection>();
  private shut = false;
  /** The armed sweep, if any: aborted at shutdown so that no timer outlives the pool. */
  private sweep?: AbortController;

  constructor(private readonly o: PoolOptions) {}

  /** A connection just made: counted against maxOpen until it closes. */
  track(conn: Connection): void {
    this.open.add(conn);
    conn.client.once("close", () => {
      conn.closed = true;
      this.open.delete(conn);
      this.unlist(conn);
    });
  }

  /** A live idle connection for `node`, or undefined. Idle ones made under other settings of that node are closed. */
  take(node: NodeSpec): Connection | undefined {
    const key = poolKey(node);
    for (const [k, list] of this.idle)
      if (k !== key && list.some((i) => i.conn.node === `${node.cluster}/${node.name}`))
        for (const i of [...list]) this.evict(i, "node settings changed");
    const list = this.idle.get(key);
    while (list?.length) {
      const i = list.pop()!;
      if (list.length === 0) this.idle.delete(key);
      if (healthy(i.conn)) {
        i.conn.reuses++;
        return i.conn;
      }
      this.end(i.conn, "found dead before reuse");
    }
    return undefined;
  }

  /** Close idle connections, oldest first, until a new one fits under maxOpen. */
  makeRoom(): void {
    while (this.open.size >= this.o.maxOpen) {
      const oldest = [...this.idle.values()].flat().sort((a, b) => a.since - b.since)[0];
      if (!oldest) return;
      this.evict(oldest, "pool full");
    }
  }

  /** Hand a connection back after use: kept for keepAliveMs when healthy, else closed (resolves once closed). */
  async give(conn: Connection): Promise<void> {
    if (this.shut || this.o.keepAliveMs <= 0 || !healthy(conn)) {
      this.end(conn, "not kept");
      return waitClose(conn);
    }
    const entry: Idle = { conn, since: this.o.clock.now().getTime() };
    const list = this.idle.get(conn.key) ?? [];
    list.push(entry);
    this.idle.set(conn.key, list);
    this.armSweep();
  }

  /** Arm the sweep for the oldest idle connection's expiry, unless one is armed already. */
  private armSweep(): void {
    if (this.sweep || this.shut) return;
    let oldest = Infinity;
    for (const list of this.idle.values()) for (const i of list) oldest = Math.min(oldest, i.since);
    if (oldest === Infinity) return;
    const timer = (this.sweep = new AbortController());
    const wait = Math.max(0, oldest + this.o.keepAliveMs - this.o.clock.now().getTime());
    this.o.clock.sleep(wait, timer.signal).then(
      () => {
        this.sweep = undefined;
        const now = this.o.clock.now().getTime();
        for (const i of [...this.idle.values()].flat())
          if (now - i.since >= this.o.keepAliveMs) this.evict(i, "idle");
        this.armSweep();
      },
      () => undefined, // shutdown
    );
  }

  /** Close every idle connection (inventory reload). */
  clear(): void {
    for (const i of [...this.idle.values()].flat()) this.evict(i, "cleared");
  }

  /** Shutdown: close idle connections now and every busy one as it is given back. */
  async close(): Promise<void> {
    this.shut = true;
    this.sweep?.abort(POOL_CLOSED);
    const conns = [...this.idle.values()].flat().map((i) => i.conn);
    this.clear();
    await Promise.all(conns.map((c) => (c.closed ? undefined : waitClose(c))));
  }

  stats(): { open: number; idle: number } {
    return { open: this.open.size, idle: [...this.idle.values()].reduce((n, l) => n + l.length, 0) };
  }

  private evict(i: Idle, why: string): void {
    this.unlist(i.conn);
    this.end(i.conn, why);
  }

  private unlist(conn: Connection): void {
    const list = this.idle.get(conn.key);
    if (!list) return;
    const rest = list.filter((i) => i.conn !== conn);
    if (rest.length) this.idle.set(conn.key, rest);
    else this.idle.delete(conn.key);
  }

  private end(conn: Connection, why: string): void {
    this.o.log.debug({ node: conn.node, why, reuses: conn.reuses }, "ssh connection closed");
    if (!conn.closed) conn.client.end();
  }
}

/** Not closed, and the socket still takes writes (ssh2 keepalives close it when the peer stops answering). */
export function healthy(conn: Connection): boolean {
  const sock = (conn.client as unknown as { _sock?: { writable?: boolean; destroyed?: boolean } })._sock;
  return !conn.closed && !!sock?.writable && !sock.destroyed;
}

const waitClose = (c: Connection) =>
  new Promise<void>((resolve) => {
    if (c.closed) return resolve();
    c.client.once("close", () => resolve());
  });
