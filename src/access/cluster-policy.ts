import { findCluster, type ClusterSpec, type Inventory } from "../config/inventory.js";

/** The approval policy in force for one cluster: top-level `approvals` overridden key by key by the cluster's. */
export interface ClusterPolicy {
  cluster: string;
  channel: string;
  /** User IDs (U…/W…) and user group IDs (S…). */
  approvers: readonly string[];
  /** Who may request state-changing operations; undefined = anyone. */
  requesters?: readonly string[];
  /** Who may run read commands; undefined = anyone. */
  readers?: readonly string[];
  /** Approvals per phase id; `default` for the rest. */
  approvalsRequired: Readonly<Record<string, number>>;
  requireDistinctApprover: boolean;
  expireAfterMinutes: number;
  channelOnly: boolean;
}

export function clusterPolicy(inv: Inventory, cluster: ClusterSpec): ClusterPolicy {
  const g = inv.approvals;
  const c = cluster.approvals ?? {};
  const requesters = c.requesters ?? g.requesters;
  return {
    cluster: cluster.name,
    channel: cluster.channel,
    approvers: c.approvers ?? g.approvers,
    ...(requesters ? { requesters } : {}),
    ...(cluster.readers ? { readers: cluster.readers } : {}),
    approvalsRequired: { ...g.approvalsRequired, ...c.approvalsRequired },
    requireDistinctApprover: c.requireDistinctApprover ?? g.requireDistinctApprover,
    expireAfterMinutes: c.expireAfterMinutes ?? g.expireAfterMinutes,
    channelOnly: cluster.channelOnly ?? false,
  };
}

/** Policy by cluster name; an unknown cluster (removed from the inventory) gets the top-level defaults. */
export function policyOf(inv: Inventory, clusterName: string): ClusterPolicy {
  const c = findCluster(inv, clusterName);
  if (c) return clusterPolicy(inv, c);
  return clusterPolicy(inv, {
    name: clusterName,
    channel: "",
    nodes: [],
    maintenanceWindows: [],
    appChecks: [],
  });
}

export function approvalsRequired(p: Pick<ClusterPolicy, "approvalsRequired">, phaseId: string): number {
  return p.approvalsRequired[phaseId] ?? p.approvalsRequired.default ?? 1;
}

/** `<@U…>` or `<!subteam^S…>` (Slack renders the group handle). */
export const mentionOf = (principal: string): string =>
  principal.startsWith("S") ? `<!subteam^${principal}>` : `<@${principal}>`;
