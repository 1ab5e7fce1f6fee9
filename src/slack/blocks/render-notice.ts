import type { ChatMessage } from "../../shared/chat-port.js";
import { context, esc, section } from "./block-kit.js";
import { codeBlock } from "./mrkdwn.js";

/** A malformed command: what was wrong, and the usage line. */
export function renderUsageError(message: string, usage: string): ChatMessage {
  // The message quotes what the user typed; the usage line has <placeholders> Slack would read as links.
  return {
    text: `${esc(message)} Usage: ${usage}`,
    blocks: [
      section(`:warning: ${esc(message)}`),
      section(`*Usage*\n${codeBlock(usage, { keep: "start" })}`),
      context("`/rke2 help` lists every subcommand"),
    ],
  };
}

/** A short plain answer (acks, refusals, outcomes). Text is escaped unless `mrkdwn` is trusted. */
export function renderNotice(text: string, opts: { emoji?: string; trusted?: boolean } = {}): ChatMessage {
  const body = opts.trusted ? text : esc(text);
  const line = opts.emoji ? `${opts.emoji} ${body}` : body;
  return { text: line, blocks: [section(line)] };
}

/** The bot cannot post in a channel: tell the person who can fix it. */
export function renderInviteNeeded(channel: string, what: string): ChatMessage {
  const line = `:warning: I could not post ${esc(what)} in <#${channel}>: invite me with \`/invite @rke2-chatops\` in <#${channel}>.`;
  return { text: line, blocks: [section(line)] };
}
