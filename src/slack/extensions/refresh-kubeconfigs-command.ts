import { createAccess } from "../../access/access-check.js";
import { cacheGroups, noGroups, type GroupDirectory } from "../../access/group-directory.js";
import type { Inventory } from "../../config/inventory.js";
import type { OperationLedger } from "../../operations/engine/ports.js";
import { decodeOperationButton } from "../button-value.js";
import { refreshFromButton, type RefreshClaims } from "../../operations/kubeconfig/refresh-click.js";
import {
  refreshKubeconfigCopies,
  type RefreshDeps,
} from "../../operations/kubeconfig/refresh-kubeconfigs.js";
import type { Outcome } from "../../operations/operations-api.js";
import type { CommandRequester } from "../../operations/requester.js";
import type { ChatMessage, ChatPort } from "../../shared/chat-port.js";
import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";
import type { SshExecutor } from "../../ssh/ssh-executor.js";
import { esc } from "../blocks/block-kit.js";
import { renderNotice } from "../blocks/render-notice.js";

export interface KubeconfigRefreshDeps {
  inventory: Inventory;
  executor: SshExecutor;
  groups?: GroupDirectory;
  /** The operations ledger: the audit stream, and the operation a button names. */
  ledger: Pick<OperationLedger, "get" | "appendAudit">;
  claims: RefreshClaims;
  chat: ChatPort;
  clock: Clock;
  logger: Logger;
}

/**
 * The approved Refresh kubeconfig copies action, two ways in: `/rke2 refresh-kubeconfigs <cluster>`
 * and the button on a rotation's completion note. Approvers only (user groups resolved like any
 * approval), audited, answered with paths only.
 */
export function createKubeconfigRefresh(deps: KubeconfigRefreshDeps): {
  command: (cmd: { cluster: string }, ctx: { by: CommandRequester }) => Promise<ChatMessage>;
  button: (value: string, by: CommandRequester) => Promise<Outcome>;
} {
  const access = createAccess(deps.inventory, cacheGroups(deps.groups ?? noGroups, deps.clock));
  const base: RefreshDeps = {
    inventory: deps.inventory,
    ssh: deps.executor,
    access,
    audit: deps.ledger,
    clock: deps.clock,
    logger: deps.logger,
  };
  return {
    async command(cmd, ctx) {
      const r = await refreshKubeconfigCopies(base, cmd.cluster, ctx.by);
      return renderNotice(r.message, { emoji: r.ok ? ":white_check_mark:" : ":no_entry:" });
    },
    button: (value, by) =>
      refreshFromButton(
        {
          ...base,
          ledger: deps.ledger,
          claims: deps.claims,
          async thread(op, note) {
            if (!op.message) return;
            const line = `${note.ok ? ":white_check_mark:" : ":no_entry:"} Kubeconfig copies refresh by <@${note.by}>: ${esc(note.message)}`;
            await deps.chat
              .post(op.message.channel, renderNotice(line, { trusted: true }), { threadTs: op.message.ts })
              .catch((err: Error) =>
                deps.logger.warn({ op: op.id, err }, "could not post the refresh result"),
              );
          },
        },
        decodeOperationButton(value),
        by,
      ),
  };
}
