import type { ClusterSpec, NodeSpec } from "../../config/inventory.js";

/**
 * The one item of an operation on a cluster whose inventory lists no nodes (a Rancher cluster,
 * verified through its API): cluster-wide steps run under this name and keep their ledger there.
 */
export const CLUSTER_ITEM = "cluster-api";

/**
 * The node an item names; for CLUSTER_ITEM on a node-less cluster, a stand-in with no reachable
 * SSH target (.invalid never resolves), so a step that tried SSH fails instead of reaching anything.
 */
export function itemNode(cluster: ClusterSpec, name: string): NodeSpec | undefined {
  const n = cluster.nodes.find((x) => x.name === name);
  if (n || name !== CLUSTER_ITEM || cluster.nodes.length > 0) return n;
  return {
    cluster: cluster.name,
    name,
    role: "server",
    ssh: {
      host: "no-ssh-node.invalid",
      port: 22,
      user: "none",
      privateKeyPath: "/nonexistent",
      hostKey: "",
      sudo: false,
      connectTimeoutMs: 1,
    },
  };
}
