import type { ClusterSpec, NodeRole, NodeSpec } from "../../../src/config/inventory.js";
import type { UpgradeParams } from "../../../src/operations/upgrade/upgrade-params.js";

/** A node for pure tests (plans, registry checks): nothing ever connects, so its SSH target is empty. */
export const pureNode = (name: string, role: NodeRole, cluster = "c"): NodeSpec => ({
  name,
  role,
  cluster,
  ssh: {} as NodeSpec["ssh"],
});

/** A cluster "c" in channel C1 of the given nodes, no windows, no application checks. */
export const pureCluster = (nodes: readonly (readonly [string, NodeRole])[]): ClusterSpec => ({
  name: "c",
  channel: "C1",
  nodes: nodes.map(([name, role]) => pureNode(name, role)),
  maintenanceWindows: [],
  appChecks: [],
});

/** The same cluster without its agents. */
export const serversOf = (cluster: ClusterSpec): ClusterSpec => ({
  ...cluster,
  nodes: cluster.nodes.filter((n) => n.role === "server"),
});

/** Upgrade parameters as the preflight records them: every node on v1.33.5 going to v1.34.8, `skipped` already there. */
export const upgradeParamsFor = (cluster: ClusterSpec, skipped: readonly string[] = []): UpgradeParams => ({
  requested: "v1.34",
  target: "v1.34.8+rke2r1",
  via: "channel v1.34",
  channelUrl: "http://x",
  nodes: cluster.nodes.map((n) => ({
    node: n.name,
    role: n.role,
    installed: "v1.33.5+rke2r1",
    kubelet: "v1.33.5+rke2r1",
    skipped: skipped.includes(n.name),
  })),
});
