import type { webApi } from "@slack/bolt";
import type { GroupDirectory } from "../access/group-directory.js";

/** GroupDirectory over `usergroups.users.list` (scope usergroups:read). Errors propagate: callers fail closed. */
export function slackGroups(client: webApi.WebClient): GroupDirectory {
  return {
    async members(groupId) {
      const res = await client.usergroups.users.list({ usergroup: groupId });
      if (!res.ok || !res.users) throw new Error(res.error ?? "usergroups.users.list returned no users");
      return res.users;
    },
  };
}
