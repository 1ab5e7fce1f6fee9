import { resolveScanTarget } from "../../scan/scan-inventory.js";
import { builtInCommands } from "../../operations/registry.js";
import type { CommandRequester } from "../../operations/requester.js";
import type { ChatMessage } from "../../shared/chat-port.js";
import { parseCommand, type Rke2Command } from "../commands/parse-command.js";
import { renderHelp } from "../blocks/render-help.js";
import { renderNotice, renderUsageError } from "../blocks/render-notice.js";
import type { Ack, ListenerDeps, SlashInput } from "./command-deps.js";
import { handleCertsCommand } from "./handle-certs-command.js";
import { failureMessage, outcomeMessage } from "./reply-outcome.js";

/**
 * `/rke2 …`: parse, ack within milliseconds, and do anything slow afterwards, answering through the
 * response_url. Never throws to Bolt: a failure becomes an ephemeral message and a log line.
 */
export async function handleRke2Command(deps: ListenerDeps, input: SlashInput, ack: Ack): Promise<void> {
  const cmd = parseCommand(input.text);
  const by: CommandRequester = {
    userId: input.userId,
    channelId: input.channelId,
    ...(input.userName ? { userName: input.userName } : {}),
  };
  const name = cmd.kind === "operation" ? cmd.operation : cmd.kind;
  const log = deps.logger.child({ command: name, user: input.userId, channel: input.channelId });
  log.info("slash command");
  switch (cmd.kind) {
    case "help":
      return ack(renderHelp(deps.inventory.clusters.map((c) => c.name)));
    case "invalid":
      return ack(renderUsageError(cmd.message, cmd.usage));
    case "certs": {
      const denied = await readDenied(deps, cmd.cluster, by);
      if (denied) return ack(renderNotice(denied, { emoji: ":no_entry:", trusted: true }));
      return handleCertsCommand(deps, input, cmd.cluster, cmd.node, ack);
    }
  }
  const unknown =
    "cluster" in cmd && cmd.cluster ? resolveScanTarget(deps.inventory, cmd.cluster) : undefined;
  if (unknown && !unknown.ok) return ack(renderNotice(unknown.message, { emoji: ":warning:" }));
  await ack(renderNotice(workingOn(cmd), { emoji: ":hourglass_flowing_sand:" }));
  let answer: ChatMessage;
  try {
    answer = await run(deps, cmd, by, input.responseUrl);
  } catch (err) {
    log.error({ err }, "slash command failed");
    answer = failureMessage(`running \`/rke2 ${name}\``, err);
  }
  await deps.chat.respond(input.responseUrl, answer).catch((err) => log.warn({ err }, "could not answer"));
}

type LaterCommand = Exclude<Rke2Command, { kind: "help" | "invalid" | "certs" }>;

/** `readers`: the refusal text (ours: cluster names and principals from the inventory), or undefined when allowed. */
async function readDenied(
  deps: ListenerDeps,
  cluster: string | undefined | "any",
  by: CommandRequester,
): Promise<string | undefined> {
  if (!deps.ops.mayRead) return undefined;
  const scope = cluster === "any" ? "any" : cluster ? { cluster } : "all";
  const v = await deps.ops.mayRead(scope, by);
  return v.ok ? undefined : v.message;
}

async function run(
  deps: ListenerDeps,
  cmd: LaterCommand,
  by: CommandRequester,
  responseUrl: string,
): Promise<ChatMessage> {
  const readScope = cmd.kind === "status" ? cmd.cluster : cmd.kind === "explain" ? ("any" as const) : false;
  if (readScope !== false) {
    const denied = await readDenied(deps, readScope, by);
    if (denied) return renderNotice(denied, { emoji: ":no_entry:", trusted: true });
  }
  switch (cmd.kind) {
    case "audit":
      return auditAnswer(deps, cmd.target, by);
    case "operation":
      return outcomeMessage(await deps.ops.request(cmd.operation, cmd.cluster, cmd.args, by));
    case "status":
      return outcomeMessage(await deps.ops.status(cmd.cluster));
    case "cancel":
      return outcomeMessage(await deps.ops.cancel(cmd.operationId, by));
    case "explain": {
      const handler = deps.extensions?.explain;
      return handler ? handler(cmd, { by, responseUrl }) : notAvailable(cmd.kind);
    }
    case "upgrade-plan": {
      const handler = deps.extensions?.["upgrade-plan"];
      return handler ? handler(cmd, { by, responseUrl }) : notAvailable(cmd.kind);
    }
    case "refresh-kubeconfigs": {
      const handler = deps.extensions?.["refresh-kubeconfigs"];
      return handler ? handler(cmd, { by, responseUrl }) : notAvailable(cmd.kind);
    }
  }
}

const notAvailable = (kind: string): ChatMessage =>
  renderNotice(`\`/rke2 ${kind}\` is not available in this version of the bot.`, {
    emoji: ":construction:",
    trusted: true,
  });

/** Upload the JSON Lines file where the command was typed; answer with the summary. */
async function auditAnswer(deps: ListenerDeps, target: string, by: CommandRequester): Promise<ChatMessage> {
  if (!deps.ops.audit) return notAvailable("audit");
  const a = await deps.ops.audit(target, by);
  if (!a.ok) return renderNotice(a.message, { emoji: ":warning:" });
  if (by.channelId)
    await deps.chat.uploadFile(by.channelId, {
      filename: a.filename,
      content: a.jsonl,
      title: `Audit: ${target}`,
    });
  return renderNotice(`${a.message}\nThe records are in ${a.filename}.`, { emoji: ":scroll:" });
}

function workingOn(cmd: LaterCommand): string {
  switch (cmd.kind) {
    case "audit":
      return `Collecting the audit records of ${cmd.target}…`;
    case "operation": {
      const spec = builtInCommands().find((o) => o.kind === cmd.operation)?.spec;
      return (
        spec?.preparing(cmd.cluster, cmd.args) ??
        `Preparing a plan for ${cmd.cluster} (preflight checks first)…`
      );
    }
    case "upgrade-plan":
      return `Building System Upgrade Controller plans for ${cmd.cluster} → ${cmd.target}…`;
    case "status":
      return cmd.cluster ? `Looking up operations on ${cmd.cluster}…` : "Looking up operations…";
    case "cancel":
      return `Cancelling ${cmd.operationId}…`;
    case "explain":
      return "Looking at that error…";
    case "refresh-kubeconfigs":
      return `Looking for stale kubeconfig copies on the servers of ${cmd.cluster}…`;
  }
}
