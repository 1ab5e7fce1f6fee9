import type { KnownBlock } from "@slack/types";

/**
 * A message as the chat layer takes it: fallback text plus optional Block Kit blocks. Only the
 * types of Block Kit are imported (no runtime code); the blocks are built in slack/blocks/.
 */
export interface ChatMessage {
  text: string;
  blocks?: KnownBlock[];
}

export interface PostedMessage {
  channel: string;
  ts: string;
}

/**
 * The outbound chat port used by reports, alerts and operations. The Slack adapter
 * (slack/web-chat.ts) retries 429s after Retry-After and throws ChatError for the rest.
 */
export interface ChatPort {
  post(channel: string, msg: ChatMessage, opts?: { threadTs?: string }): Promise<PostedMessage>;
  update(channel: string, ts: string, msg: ChatMessage): Promise<void>;
  postEphemeral(channel: string, user: string, msg: ChatMessage): Promise<void>;
  /** Reply through a slash command's / interaction's response_url. */
  respond(
    responseUrl: string,
    msg: ChatMessage & { replaceOriginal?: boolean; ephemeral?: boolean },
  ): Promise<void>;
  uploadFile(
    channel: string,
    file: { filename: string; content: string; title?: string; threadTs?: string },
  ): Promise<void>;
}
