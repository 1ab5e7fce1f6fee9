import type { WebClient } from "@slack/web-api";
import type { GroupDirectory } from "../access/group-directory.js";

/** GroupDirectory over `usergroups.users.list` (scope usergroups:read). Errors propagate: callers fail closed. */
export function slackGroups(client: WebClient): GroupDirectory {
  return {
    async members(groupId) {
      const res = await client.usergroups.users.list({ usergroup: groupId });
      if (!res.ok || !res.users) throw new Error(res.error ?? "usergroups.users.list returned no users");
      return res.users;
    },
  };
}
