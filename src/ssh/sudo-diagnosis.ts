import type { NodeSpec } from "../config/inventory.js";
import { AppError } from "../shared/app-error.js";

/** A node where `sudo -n sh -c …` (ssh.sudo: true) cannot run the bot's commands. */
export type SudoProblem = "password-required" | "not-permitted" | "missing";

/** The node's sudo setup needs a person: retrying cannot help. */
export class SudoError extends AppError<`sudo-${SudoProblem}`> {
  readonly kind = "sudo";
  constructor(
    readonly problem: SudoProblem,
    message: string,
  ) {
    super(message, { retryable: false });
  }

  get code(): `sudo-${SudoProblem}` {
    return `sudo-${this.problem}`;
  }
}

const FIX_RULE = (user: string) =>
  `give ${user} a sudoers rule with NOPASSWD for /bin/sh (the bot runs each command as \`sudo -n sh -c …\`), e.g. \`${user} ALL=(root) NOPASSWD: /bin/sh\`, or set \`ssh.user: root\` with \`ssh.sudo: false\` for this node`;

/**
 * What sudo itself said, when it (not the command behind it) failed. sudo answers with exit 1 and
 * one of its own messages; a shell that cannot find sudo exits 127. Undefined when sudo is off or
 * the failure is the command's own.
 */
export function diagnoseSudo(
  node: NodeSpec,
  res: { code: number | null; stderr: string },
): SudoError | undefined {
  if (!node.ssh.sudo || res.code === 0) return undefined;
  const err = res.stderr;
  const user = node.ssh.user;
  const on = `on ${node.name} (${user}@${node.ssh.host})`;
  if (/sudo: (a password is required|a terminal is required)/.test(err))
    return new SudoError(
      "password-required",
      `sudo needs a password ${on}: \`sudo -n\` answered "a password is required", and the bot cannot type one. Fix: ${FIX_RULE(user)}`,
    );
  const refused =
    /is not in the sudoers file|is not allowed to execute|may not run sudo|is not allowed to run sudo/.exec(
      err,
    );
  if (refused)
    return new SudoError(
      "not-permitted",
      `${user} may not use sudo ${on}: sudo answered "${refused[0]}". Fix: ${FIX_RULE(user)}`,
    );
  if (res.code === 127 && /sudo: (command )?not found|sudo: No such file/.test(err))
    return new SudoError(
      "missing",
      `sudo is not installed ${on} although ssh.sudo is true: install sudo with a NOPASSWD rule for /bin/sh, or set \`ssh.user: root\` with \`ssh.sudo: false\` for this node`,
    );
  return undefined;
}
