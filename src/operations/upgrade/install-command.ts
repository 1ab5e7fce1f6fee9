import { shellQuote, type RemoteCommand } from "../../ssh/shell-quote.js";

/**
 * The inventory's installer command with `{type}` and `{version}` filled in (each value
 * shell-quoted), run as one pipeline by `sh -c`. The executor adds `sudo -n` when ssh.sudo is set,
 * so the whole pipeline (curl | sh) runs privileged, not only its first command.
 */
export function installCommand(template: string, type: "server" | "agent", version: string): RemoteCommand {
  const filled = template.split("{type}").join(shellQuote(type)).split("{version}").join(shellQuote(version));
  return { line: `sh -c ${shellQuote(filled)}` };
}
