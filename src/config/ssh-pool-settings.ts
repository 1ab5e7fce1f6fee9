import type { Inventory } from "./inventory.js";

/** Process-wide SSH limits (top-level `ssh:` of the inventory), with their defaults. */
export interface SshPoolSettings {
  /** Nodes talked to at once by this process; every fan-out over nodes is bounded by it. */
  maxConcurrency: number;
  /** A connection stays open this long after use, for the next scan or step; 0 = close at once. */
  keepAliveSeconds: number;
  /** Open connections (idle and in use) at most. */
  maxOpenConnections: number;
  /** Waiting this long for a free slot fails the step (or the node's scan) instead of hanging. */
  acquireTimeoutSeconds: number;
}

export const SSH_POOL_DEFAULTS: SshPoolSettings = {
  maxConcurrency: 32,
  keepAliveSeconds: 120,
  maxOpenConnections: 256,
  acquireTimeoutSeconds: 300,
};

export const sshPoolSettings = (inv: Pick<Inventory, "ssh">): SshPoolSettings => ({
  ...SSH_POOL_DEFAULTS,
  ...inv.ssh,
});

/** The executor options these settings stand for. */
export const executorLimits = (inv: Pick<Inventory, "ssh">) => {
  const s = sshPoolSettings(inv);
  return {
    maxConcurrency: s.maxConcurrency,
    keepAliveMs: s.keepAliveSeconds * 1000,
    maxOpenConnections: s.maxOpenConnections,
    acquireTimeoutMs: s.acquireTimeoutSeconds * 1000,
  };
};
