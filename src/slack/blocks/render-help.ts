import type { ChatMessage } from "../../shared/chat-port.js";
import { allSubcommands } from "../commands/usage.js";
import { context, esc, header, section } from "./block-kit.js";
import { inlineCode } from "./mrkdwn.js";

/** `/rke2 help`: every subcommand, and the clusters this bot knows. */
export function renderHelp(clusters: readonly string[]): ChatMessage {
  const all = allSubcommands();
  const lines = all.map((c) => `${inlineCode(c.usage)} — ${esc(c.summary)}`);
  const known = clusters.length > 0 ? clusters.map((c) => `\`${c}\``).join(", ") : "none configured";
  return {
    text: `/rke2 commands: ${all.map((c) => c.usage).join(", ")}`,
    blocks: [
      header("rke2-chatops"),
      section(lines.join("\n")),
      context(
        `Clusters: ${known} · rotations and upgrades need an approver's click in the cluster's channel`,
      ),
    ],
  };
}
