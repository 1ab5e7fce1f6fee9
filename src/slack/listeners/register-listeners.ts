import type { App, BlockAction, ButtonAction, SlashCommand } from "@slack/bolt";
import { REQUEST_ACTION_PATTERN } from "../button-value.js";
import type { ChatMessage } from "../../shared/chat-port.js";
import { allSubcommands } from "../commands/usage.js";
import type { ListenerDeps } from "./command-deps.js";
import { handleButton, OPERATION_ACTION_PATTERN } from "./handle-button.js";
import { handleRke2Command } from "./handle-rke2-command.js";

/** The only place Bolt's listener types meet ours: one slash command, the operation and alert buttons. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  // Refuse at startup an operation whose subcommand the parser could never reach.
  allSubcommands();
  app.command("/rke2", async ({ command, ack }) => {
    const c: SlashCommand = command;
    await handleRke2Command(
      deps,
      {
        text: c.text,
        userId: c.user_id,
        userName: c.user_name,
        channelId: c.channel_id,
        responseUrl: c.response_url,
      },
      async (msg?: ChatMessage) => {
        await (msg
          ? ack({
              response_type: "ephemeral",
              text: msg.text,
              ...(msg.blocks ? { blocks: msg.blocks } : {}),
            })
          : ack());
      },
    );
  });

  const onButton = async ({
    ack,
    body,
    action,
  }: {
    ack: () => Promise<void>;
    body: BlockAction;
    action: ButtonAction;
  }) => {
    await ack();
    await handleButton(deps, {
      actionId: action.action_id,
      value: action.value ?? "",
      userId: body.user.id,
      ...(body.user.username
        ? { userName: body.user.username }
        : body.user.name
          ? { userName: body.user.name }
          : {}),
      ...(body.channel?.id ? { channelId: body.channel.id } : {}),
      ...(body.response_url ? { responseUrl: body.response_url } : {}),
    });
  };
  app.action<BlockAction<ButtonAction>>(OPERATION_ACTION_PATTERN, onButton);
  app.action<BlockAction<ButtonAction>>(REQUEST_ACTION_PATTERN, onButton);
  for (const actionId of Object.keys(deps.extensions?.buttons ?? {}))
    app.action<BlockAction<ButtonAction>>(actionId, onButton);
}
