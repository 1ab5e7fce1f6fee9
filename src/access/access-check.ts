import { findCluster, type Inventory } from "../config/inventory.js";
import { clusterPolicy, mentionOf, policyOf, type ClusterPolicy } from "./cluster-policy.js";
import type { CachedGroups } from "./group-directory.js";

/** Is a user among principals? `ok: false` when a group needed to decide could not be resolved (fail closed). */
export type Membership = { ok: true; member: boolean } | { ok: false; reason: string };
export type Verdict = { ok: true } | { ok: false; reason: string };

export async function isAmong(
  groups: CachedGroups,
  principals: readonly string[],
  userId: string,
): Promise<Membership> {
  if (principals.includes(userId)) return { ok: true, member: true };
  const failures: string[] = [];
  for (const p of principals.filter((x) => x.startsWith("S"))) {
    try {
      if (await groups.has(p, userId)) return { ok: true, member: true };
    } catch (err) {
      failures.push(`${mentionOf(p)} (${(err as Error).message})`);
    }
  }
  if (failures.length)
    return {
      ok: false,
      reason: `the user group ${failures.join(", ")} could not be looked up in Slack, so membership cannot be confirmed; refused to be safe, try again shortly`,
    };
  return { ok: true, member: false };
}

/** channelOnly: state changes for a cluster only in its own channel. */
export function channelVerdict(p: ClusterPolicy, channelId: string | undefined): Verdict {
  if (!p.channelOnly || channelId === p.channel) return { ok: true };
  return {
    ok: false,
    reason: `${p.cluster} accepts operations only in its own channel <#${p.channel}>; run it there.`,
  };
}

const list = (ps: readonly string[]) => ps.map(mentionOf).join(", ");

/** Who may ask for what, per cluster (the policy lives in the inventory; groups are resolved through the port). */
export interface Access {
  policy(cluster: string): ClusterPolicy;
  /** requesters + channelOnly, before anything is locked or run. */
  mayRequest(cluster: string, by: { userId: string; channelId?: string }): Promise<Verdict>;
  /** readers (certs, status, explain, audit). */
  mayRead(cluster: string, userId: string): Promise<Verdict>;
  approver(cluster: string, userId: string): Promise<Membership>;
}

export function createAccess(inv: Inventory, groups: CachedGroups): Access {
  const among = async (ps: readonly string[] | undefined, userId: string, what: string): Promise<Verdict> => {
    if (!ps) return { ok: true };
    const m = await isAmong(groups, ps, userId);
    if (!m.ok) return { ok: false, reason: `Refused: ${m.reason}.` };
    return m.member ? { ok: true } : { ok: false, reason: `${what} ${list(ps) || "nobody"}.` };
  };
  return {
    policy: (cluster) => policyOf(inv, cluster),
    async mayRequest(cluster, by) {
      const c = findCluster(inv, cluster);
      if (!c) return { ok: true }; // the use case answers "unknown cluster"
      const p = clusterPolicy(inv, c);
      const ch = channelVerdict(p, by.channelId);
      if (!ch.ok) return ch;
      return among(p.requesters, by.userId, `Operations on ${cluster} may be requested only by`);
    },
    async mayRead(cluster, userId) {
      const c = findCluster(inv, cluster);
      if (!c) return { ok: true };
      return among(clusterPolicy(inv, c).readers, userId, `${cluster} may be read only by`);
    },
    approver: (cluster, userId) => isAmong(groups, policyOf(inv, cluster).approvers, userId),
  };
}
