import { findCluster, type Inventory } from "../../config/inventory.js";
import type { FetchLike } from "../../rke2/channel-client.js";
import { SUC_COMMANDS, sucPlansYaml } from "../../rke2/suc-plans.js";
import type { ChatMessage, ChatPort } from "../../shared/chat-port.js";
import { redactUrls } from "../../shared/redact-url.js";
import { escapeMrkdwn } from "../../shared/mrkdwn.js";
import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";
import type { SshExecutor } from "../../ssh/ssh-executor.js";
import { createRemoteAccess } from "../engine/remote-access.js";
import { sshPoolSettings } from "../../config/ssh-pool-settings.js";
import type { CommandRequester } from "../requester.js";
import { assessUpgrade } from "./assess-upgrade.js";

export const PLAN_FILENAME = "rke2-upgrade-plans.yaml";

export interface UpgradePlanCommandDeps {
  inventory: Inventory;
  chat: ChatPort;
  /** Reads versions and health from the nodes (read-only commands only). */
  executor: SshExecutor;
  clock: Clock;
  logger: Logger;
  /** How this process reaches the channel server (default: global fetch). */
  fetch?: FetchLike;
  /** Longest single remote command. Default 60 s. */
  commandTimeoutMs?: number;
}

/** The parsed `/rke2 upgrade-plan` command (structurally the Slack layer's ExtraCommandHandler<"upgrade-plan"> argument). */
export interface UpgradePlanCommand {
  kind: "upgrade-plan";
  cluster: string;
  target: string;
}
export type UpgradePlanHandler = (
  cmd: UpgradePlanCommand,
  ctx: { by: CommandRequester; responseUrl: string },
) => Promise<ChatMessage>;

const reply = (text: string): ChatMessage => ({ text });

/**
 * `/rke2 upgrade-plan <cluster> <target>`: resolve the target exactly as `/rke2 upgrade` does (same
 * channel server, health and path refusals), upload the two System Upgrade Controller Plans pinned
 * to that exact version into the cluster's channel, and answer with the apply/watch/clean-up
 * commands. Changes nothing on the cluster.
 */
export function createUpgradePlanCommand(deps: UpgradePlanCommandDeps): UpgradePlanHandler {
  const fetchFn: FetchLike = deps.fetch ?? ((url, init) => fetch(url, init));
  return async (cmd, { by }) => {
    const cluster = findCluster(deps.inventory, cmd.cluster);
    if (!cluster)
      return reply(
        `Unknown cluster \`${escapeMrkdwn(cmd.cluster)}\`. Known: ${deps.inventory.clusters.map((c) => c.name).join(", ")}.`,
      );
    const log = deps.logger.child({ command: "upgrade-plan", cluster: cluster.name, user: by.userId });
    const remote = createRemoteAccess({
      executor: deps.executor,
      cluster,
      clock: deps.clock,
      log,
      commandTimeoutMs: deps.commandTimeoutMs ?? 60_000,
      concurrency: sshPoolSettings(deps.inventory).maxConcurrency,
      policy: {
        renewalWindowDays: deps.inventory.report.renewalWindowDays,
        alertDays: deps.inventory.report.alertDays,
      },
    });
    let a: Awaited<ReturnType<typeof assessUpgrade>>;
    try {
      a = await assessUpgrade({ inventory: deps.inventory, cluster, remote, fetch: fetchFn }, cmd.target);
    } finally {
      await remote.close();
    }
    if (!a.ok) {
      const head = a.nothingToDo
        ? "Nothing to plan:"
        : `No upgrade plan for ${cluster.name} → \`${escapeMrkdwn(cmd.target)}\`:`;
      // Problems quote node output and channel-server data.
      return reply([head, ...a.problems.map((p) => `• ${escapeMrkdwn(redactUrls(p))}`)].join("\n"));
    }
    const p = a.params;
    const agentConcurrency = deps.inventory.operations.agentConcurrency;
    await deps.chat.uploadFile(cluster.channel, {
      filename: PLAN_FILENAME,
      title: `System Upgrade Controller plans: ${cluster.name} → ${p.target}`,
      content: sucPlansYaml(p.target, { agentConcurrency }),
    });
    log.info({ target: p.target }, "upgrade plans uploaded");
    const todo = p.nodes.filter((n) => !n.skipped);
    return reply(
      [
        `*System Upgrade Controller plans for ${cluster.name} → \`${p.target}\`* (you asked for \`${escapeMrkdwn(p.requested)}\`; ${escapeMrkdwn(p.via)}), uploaded as \`${PLAN_FILENAME}\` to <#${cluster.channel}>.`,
        `server-plan: concurrency 1, cordon, control-plane nodes; agent-plan: concurrency ${agentConcurrency}, waits for server-plan. Pinned to the exact version, not a channel.`,
        `Nodes to upgrade: ${todo.map((n) => `${n.node} ${n.kubelet} → ${p.target}`).join(", ")}${
          todo.length < p.nodes.length
            ? `; already at the target: ${p.nodes
                .filter((n) => n.skipped)
                .map((n) => n.node)
                .join(", ")}`
            : ""
        }.`,
        `1. Install the controller (once): \`${SUC_COMMANDS.install}\``,
        `2. Apply: \`${SUC_COMMANDS.apply}\``,
        `3. Watch: \`${SUC_COMMANDS.watch}\``,
        `4. Clean up when every node is on ${p.target}: \`${SUC_COMMANDS.cleanup}\``,
        "Take an etcd snapshot first (`rke2 etcd-snapshot save`); `/rke2 upgrade` does all of this with approvals instead.",
      ].join("\n"),
    );
  };
}
