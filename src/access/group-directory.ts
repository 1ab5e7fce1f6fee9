import type { Clock } from "../shared/clock.js";

/**
 * Members of a Slack user group (port; adapter: slack/slack-groups.ts over usergroups.users.list).
 * Throws when the group cannot be resolved; callers fail closed.
 */
export interface GroupDirectory {
  members(groupId: string): Promise<readonly string[]>;
}

/** Used when no adapter is wired: every group lookup fails, so groups grant nothing. */
export const noGroups: GroupDirectory = {
  members: (id) => Promise.reject(new Error(`user group ${id} cannot be resolved (no Slack directory)`)),
};

export interface CachedGroups {
  /** Is `userId` in the group? A miss refreshes the cached list once (someone just joined the rotation). */
  has(groupId: string, userId: string): Promise<boolean>;
}

/** Members cached for `ttlMs`; a miss on a cached list older than `minRefreshMs` fetches again. */
export function cacheGroups(
  dir: GroupDirectory,
  clock: Clock,
  o: { ttlMs?: number; minRefreshMs?: number } = {},
): CachedGroups {
  const ttl = o.ttlMs ?? 5 * 60_000;
  const minRefresh = o.minRefreshMs ?? 10_000;
  const cache = new Map<string, { at: number; members: ReadonlySet<string> }>();
  const fetch = async (id: string) => {
    const members = new Set(await dir.members(id));
    const entry = { at: clock.now().getTime(), members };
    cache.set(id, entry);
    return entry;
  };
  return {
    async has(groupId, userId) {
      const now = clock.now().getTime();
      let hit = cache.get(groupId);
      if (!hit || now - hit.at >= ttl) hit = await fetch(groupId);
      else if (!hit.members.has(userId) && now - hit.at >= minRefresh) hit = await fetch(groupId);
      return hit.members.has(userId);
    },
  };
}
