import { createAccess } from "../../access/access-check.js";
import { cacheGroups, noGroups, type GroupDirectory } from "../../access/group-directory.js";
import type { Inventory } from "../../config/inventory.js";
import { refreshKubeconfigCopies } from "../../operations/kubeconfig/refresh-kubeconfigs.js";
import type { ChatMessage } from "../../shared/chat-port.js";
import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";
import type { SshExecutor } from "../../ssh/ssh-executor.js";
import { renderNotice } from "../blocks/render-notice.js";

/**
 * `/rke2 refresh-kubeconfigs <cluster>`: the approved Refresh kubeconfig copies action the rotation's
 * completion offers. Approvers only (user groups resolved like any approval); answers with paths only.
 */
export function createRefreshKubeconfigsCommand(deps: {
  inventory: Inventory;
  executor: SshExecutor;
  groups?: GroupDirectory;
  clock: Clock;
  logger: Logger;
}): (cmd: { cluster: string }, ctx: { by: { userId: string } }) => Promise<ChatMessage> {
  const access = createAccess(deps.inventory, cacheGroups(deps.groups ?? noGroups, deps.clock));
  return async (cmd, ctx) => {
    const r = await refreshKubeconfigCopies(
      { inventory: deps.inventory, ssh: deps.executor, access, logger: deps.logger },
      cmd.cluster,
      ctx.by.userId,
    );
    return renderNotice(r.message, { emoji: r.ok ? ":white_check_mark:" : ":no_entry:" });
  };
}
