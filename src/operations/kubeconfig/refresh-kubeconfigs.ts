import type { Access } from "../../access/access-check.js";
import { findCluster, type Inventory } from "../../config/inventory.js";
import {
  readKubeconfigCopiesCommand,
  refreshCopiesCommand,
  staleCopies,
} from "../../rke2/kubeconfig-copies.js";
import type { Logger } from "../../shared/logger.js";
import type { SshExecutor } from "../../ssh/ssh-executor.js";

export interface RefreshResult {
  ok: boolean;
  message: string;
  refreshed: Array<{ node: string; path: string }>;
}

/**
 * Refresh kubeconfig copies (approvers only): on every server, the copies whose client certificate is
 * not rke2.yaml's, found again right now (never a stored list), are replaced from rke2.yaml keeping
 * their `server:`; then read once more to prove none is stale. Only paths and outcomes are reported.
 */
export async function refreshKubeconfigCopies(
  deps: { inventory: Inventory; ssh: SshExecutor; access: Pick<Access, "approver">; logger: Logger },
  clusterName: string,
  userId: string,
): Promise<RefreshResult> {
  const cluster = findCluster(deps.inventory, clusterName);
  if (!cluster) return { ok: false, message: `Unknown cluster ${clusterName}.`, refreshed: [] };
  const m = await deps.access.approver(clusterName, userId);
  if (!m.ok) return { ok: false, message: `Refused: ${m.reason}.`, refreshed: [] };
  if (!m.member)
    return {
      ok: false,
      message: `Only approvers of ${clusterName} may refresh kubeconfig copies.`,
      refreshed: [],
    };
  const refreshed: RefreshResult["refreshed"] = [];
  const problems: string[] = [];
  for (const node of cluster.nodes.filter((n) => n.role === "server")) {
    const s = await deps.ssh.open(node);
    try {
      const read = readKubeconfigCopiesCommand(node.ssh.user);
      const found = staleCopies((await s.run(read)).stdout).stale.map((c) => c.path);
      if (found.length === 0) continue;
      const res = await s.run(refreshCopiesCommand(found));
      const still = new Set(staleCopies((await s.run(read)).stdout).stale.map((c) => c.path));
      for (const path of found)
        if (res.code === 0 && !still.has(path)) refreshed.push({ node: node.name, path });
        else problems.push(`${node.name} ${path}`);
      deps.logger.info(
        { cluster: clusterName, node: node.name, paths: found, by: userId },
        "kubeconfig copies refreshed",
      );
    } finally {
      await s.close();
    }
  }
  const done = refreshed.map((r) => `${r.node}:${r.path}`).join(", ");
  if (problems.length > 0)
    return {
      ok: false,
      message: `Could not refresh ${problems.join(", ")}${done ? `; refreshed ${done}` : ""}.`,
      refreshed,
    };
  return {
    ok: true,
    message: done
      ? `Refreshed from rke2.yaml (server: kept): ${done}.`
      : "No stale kubeconfig copy on the servers.",
    refreshed,
  };
}
