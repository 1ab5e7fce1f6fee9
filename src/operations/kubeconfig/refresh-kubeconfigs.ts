import type { Access } from "../../access/access-check.js";
import { findCluster, type ClusterSpec, type Inventory } from "../../config/inventory.js";
import {
  readKubeconfigCopiesCommand,
  refreshCopiesCommand,
  staleCopies,
} from "../../rke2/kubeconfig-copies.js";
import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";
import type { SshExecutor } from "../../ssh/ssh-executor.js";
import type { OperationLedger } from "../engine/ports.js";
import type { CommandRequester } from "../requester.js";

export interface RefreshResult {
  ok: boolean;
  message: string;
  refreshed: Array<{ node: string; path: string }>;
}

export interface RefreshDeps {
  inventory: Inventory;
  ssh: SshExecutor;
  access: Pick<Access, "approver">;
  /** Every refresh and every refusal lands in the cluster's audit stream, like any other action. */
  audit: Pick<OperationLedger, "appendAudit">;
  clock: Pick<Clock, "now">;
  logger: Logger;
}

/** The action's name in the audit stream. */
export const REFRESH_AUDIT_ACTION = "refresh-kubeconfigs";

export type RefreshVerdict = { ok: true; cluster: ClusterSpec } | { ok: false; message: string };

/** Approvers of the cluster only (the policy the Approve buttons use); a refusal is audited with its reason. */
export async function authorizeRefresh(
  deps: RefreshDeps,
  clusterName: string,
  by: CommandRequester,
  opId?: string,
): Promise<RefreshVerdict> {
  const cluster = findCluster(deps.inventory, clusterName);
  if (!cluster) return { ok: false, message: `Unknown cluster ${clusterName}.` };
  const m = await deps.access.approver(clusterName, by.userId);
  const why = !m.ok
    ? `Refused: ${m.reason}.`
    : !m.member
      ? `Only approvers of ${clusterName} may refresh kubeconfig copies.`
      : undefined;
  if (!why) return { ok: true, cluster };
  await auditRefresh(deps, clusterName, by, opId, `refused: ${why}`);
  return { ok: false, message: why };
}

/**
 * On every server, the copies whose client certificate is not rke2.yaml's, found again right now
 * (never a stored list), are replaced from rke2.yaml keeping their `server:`; then read once more
 * to prove none is stale. Only paths and outcomes are reported and audited, never key material.
 */
export async function runRefresh(
  deps: RefreshDeps,
  cluster: ClusterSpec,
  by: CommandRequester,
  opId?: string,
): Promise<RefreshResult> {
  const refreshed: RefreshResult["refreshed"] = [];
  const problems: string[] = [];
  for (const node of cluster.nodes.filter((n) => n.role === "server")) {
    try {
      const s = await deps.ssh.open(node);
      try {
        const read = readKubeconfigCopiesCommand(node.ssh.user);
        const found = staleCopies((await s.run(read)).stdout).stale.map((c) => c.path);
        if (found.length === 0) continue;
        const res = await s.run(refreshCopiesCommand(found));
        const still = new Set(staleCopies((await s.run(read)).stdout).stale.map((c) => c.path));
        for (const path of found)
          if (res.code === 0 && !still.has(path)) refreshed.push({ node: node.name, path });
          else problems.push(`${node.name}:${path}`);
        deps.logger.info(
          { cluster: cluster.name, node: node.name, paths: found, by: by.userId, op: opId },
          "kubeconfig copies refreshed",
        );
      } finally {
        await s.close();
      }
    } catch (err) {
      problems.push(`${node.name} (${(err as Error).message})`);
    }
  }
  const done = refreshed.map((r) => `${r.node}:${r.path}`).join(", ");
  const result: RefreshResult =
    problems.length > 0
      ? {
          ok: false,
          message: `Could not refresh ${problems.join(", ")}${done ? `; refreshed ${done}` : ""}.`,
          refreshed,
        }
      : {
          ok: true,
          message: done
            ? `Refreshed from rke2.yaml (server: kept): ${done}.`
            : "No stale kubeconfig copy on the servers.",
          refreshed,
        };
  const outcome = [
    done ? `replaced ${done}` : "",
    problems.length ? `failed ${problems.join(", ")}` : "",
  ].filter(Boolean);
  await auditRefresh(deps, cluster.name, by, opId, outcome.join("; ") || "nothing stale");
  return result;
}

/** `/rke2 refresh-kubeconfigs <cluster>`: authorize, then refresh; both audited without an operation. */
export async function refreshKubeconfigCopies(
  deps: RefreshDeps,
  clusterName: string,
  by: CommandRequester,
  opId?: string,
): Promise<RefreshResult> {
  const v = await authorizeRefresh(deps, clusterName, by, opId);
  if (!v.ok) return { ok: false, message: v.message, refreshed: [] };
  return runRefresh(deps, v.cluster, by, opId);
}

async function auditRefresh(
  deps: RefreshDeps,
  cluster: string,
  by: CommandRequester,
  opId: string | undefined,
  outcome: string,
): Promise<void> {
  await deps.audit.appendAudit(cluster, opId, [
    {
      at: deps.clock.now().toISOString(),
      kind: "note",
      action: REFRESH_AUDIT_ACTION,
      by: by.userId,
      ...(by.userName ? { byName: by.userName } : {}),
      text: `kubeconfig copies refresh: ${outcome}`,
      outcome,
    },
  ]);
}
