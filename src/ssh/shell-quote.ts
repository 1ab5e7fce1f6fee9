/**
 * POSIX single-quote a value for a remote shell. Everything between single quotes is literal,
 * so the only character to handle is the single quote itself.
 */
export function shellQuote(value: string): string {
  if (value.includes("\0")) throw new Error("refusing to quote a value containing NUL");
  if (value !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A remote command line: fixed text written by us, values always quoted. */
export interface RemoteCommand {
  readonly line: string;
}

/**
 * Tagged template for remote commands: literal parts are trusted code, every interpolated
 * value is shell-quoted (arrays become several quoted words).
 *   sh`rke2 etcd-snapshot save --name ${name}`
 */
export function sh(
  strings: TemplateStringsArray,
  ...values: Array<string | number | readonly string[]>
): RemoteCommand {
  let line = strings[0] ?? "";
  values.forEach((v, i) => {
    const q = Array.isArray(v) ? v.map((x) => shellQuote(String(x))).join(" ") : shellQuote(String(v));
    line += q + (strings[i + 1] ?? "");
  });
  return { line };
}

/** Wrap for privilege escalation without a password prompt. */
export function withSudo(cmd: RemoteCommand, sudo: boolean): RemoteCommand {
  return sudo ? { line: `sudo -n sh -c ${shellQuote(cmd.line)}` } : cmd;
}
