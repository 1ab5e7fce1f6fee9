import type { ChatMessage } from "../../shared/chat-port.js";
import { SUBCOMMAND_SUMMARY, SUBCOMMAND_USAGE, type SubcommandName } from "../commands/usage.js";
import { context, esc, header, section } from "./block-kit.js";
import { inlineCode } from "./mrkdwn.js";

/** `/rke2 help`: every subcommand, and the clusters this bot knows. */
export function renderHelp(clusters: readonly string[]): ChatMessage {
  const lines = (Object.keys(SUBCOMMAND_USAGE) as SubcommandName[]).map(
    (k) => `${inlineCode(SUBCOMMAND_USAGE[k])} — ${esc(SUBCOMMAND_SUMMARY[k])}`,
  );
  const known = clusters.length > 0 ? clusters.map((c) => `\`${c}\``).join(", ") : "none configured";
  return {
    text: `/rke2 commands: ${Object.values(SUBCOMMAND_USAGE).join(", ")}`,
    blocks: [
      header("rke2-chatops"),
      section(lines.join("\n")),
      context(
        `Clusters: ${known} · rotations and upgrades need an approver's click in the cluster's channel`,
      ),
    ],
  };
}
