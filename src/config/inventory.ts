import type { RawInventory } from "./inventory-schema.js";
import type { SshPoolSettings } from "./ssh-pool-settings.js";

export type NodeRole = "server" | "agent";

/** Everything needed to reach one node over SSH, with cluster and global defaults applied. */
export interface SshTarget {
  host: string;
  port: number;
  user: string;
  privateKeyPath: string;
  /** Pinned host key, as `ssh-keygen -lf` prints it (SHA256:…). */
  hostKey: string;
  sudo: boolean;
  connectTimeoutMs: number;
}

export interface NodeSpec {
  cluster: string;
  name: string;
  role: NodeRole;
  ssh: SshTarget;
}

export type MaintenanceWindow = NonNullable<RawInventory["clusters"][number]["maintenanceWindows"]>[number];
export type AppCheck = NonNullable<RawInventory["clusters"][number]["appChecks"]>[number];

/** The cluster's `rancher:` block, caFile resolved against the inventory's directory. */
export type RancherSpec = NonNullable<RawInventory["clusters"][number]["rancher"]>;

export type ClusterApprovals = NonNullable<RawInventory["clusters"][number]["approvals"]>;

export interface ClusterSpec {
  name: string;
  channel: string;
  /** Overrides of the top-level approvals, key by key (see access/cluster-policy.ts). */
  approvals?: ClusterApprovals;
  channelOnly?: boolean;
  /** Who may run read commands; undefined = anyone. */
  readers?: string[];
  nodes: NodeSpec[];
  maintenanceWindows: MaintenanceWindow[];
  appChecks: AppCheck[];
  /** Rancher-provisioned: rotations go through Rancher (operations/rancher-rotation). */
  rancher?: RancherSpec;
  /** `upgrade.method` / `upgrade.sucManifests`, the cluster's own keys over the top-level ones; absent = ssh. */
  upgrade?: ClusterUpgrade;
}

export interface Inventory {
  /** Absolute path of the file it came from (for messages). */
  source: string;
  approvals: RawInventory["approvals"];
  audit: RawInventory["audit"];
  limits: RawInventory["limits"];
  report: RawInventory["report"];
  operations: RawInventory["operations"];
  upgrade: RawInventory["upgrade"];
  /** Process-wide SSH limits as written (defaults: config/ssh-pool-settings.ts). */
  ssh?: Partial<SshPoolSettings>;
  clusters: ClusterSpec[];
}

export function findCluster(inv: Inventory, name: string): ClusterSpec | undefined {
  return inv.clusters.find((c) => c.name === name);
}

export const servers = (c: ClusterSpec): NodeSpec[] => c.nodes.filter((n) => n.role === "server");
export const agents = (c: ClusterSpec): NodeSpec[] => c.nodes.filter((n) => n.role === "agent");

export type SucManifests = NonNullable<RawInventory["upgrade"]["sucManifests"]>;
export interface ClusterUpgrade {
  method: "ssh" | "suc";
  sucManifests?: SucManifests;
}

/** The cluster's own `upgrade` keys over the top-level ones (resolved once, at load). */
export function clusterUpgradeOf(
  top: RawInventory["upgrade"],
  own: RawInventory["clusters"][number]["upgrade"],
): ClusterUpgrade {
  const sucManifests = own?.sucManifests ?? top.sucManifests;
  return { method: own?.method ?? top.method, ...(sucManifests ? { sucManifests } : {}) };
}
