import type { Inventory } from "../../config/inventory.js";
import type { OperationsApi, Outcome } from "../../operations/operations-api.js";
import type { CommandRequester } from "../../operations/requester.js";
import type { ScanRequests } from "../../scan/scan-requests.js";
import type { ChatMessage, ChatPort } from "../../shared/chat-port.js";
import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";
import type { Rke2Command } from "../commands/parse-command.js";

/** A subcommand implemented elsewhere (explain, upgrade-plan): gets the parsed command, returns the answer. */
export type ExtraCommandHandler<K extends "explain" | "upgrade-plan" | "refresh-kubeconfigs"> = (
  cmd: Extract<Rke2Command, { kind: K }>,
  ctx: { by: CommandRequester; responseUrl: string },
) => Promise<ChatMessage>;

export interface CommandExtensions {
  explain?: ExtraCommandHandler<"explain">;
  "upgrade-plan"?: ExtraCommandHandler<"upgrade-plan">;
  "refresh-kubeconfigs"?: ExtraCommandHandler<"refresh-kubeconfigs">;
  /** Buttons implemented elsewhere, by exact action_id (Refresh kubeconfig copies): raw value in, Outcome out. */
  buttons?: Readonly<Record<string, ButtonHandler>>;
}

export type ButtonHandler = (value: string, by: CommandRequester) => Promise<Outcome>;

/** What the Slack listeners need; plain arguments, no Bolt types. */
export interface ListenerDeps {
  inventory: Inventory;
  chat: ChatPort;
  scans: ScanRequests;
  ops: OperationsApi;
  logger: Logger;
  clock: Clock;
  extensions?: CommandExtensions;
}

/** What a slash command carries, as the listener sees it. */
export interface SlashInput {
  text: string;
  userId: string;
  userName?: string;
  channelId: string;
  responseUrl: string;
}

export type Ack = (msg?: ChatMessage) => Promise<void>;
