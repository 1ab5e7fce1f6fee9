import type { RemoteCommand } from "../ssh/shell-quote.js";
import { AGENT_DIR, ADMIN_KUBECONFIG, DATA_DIR, SERVER_TLS_DIR } from "./paths.js";

/**
 * One remote command that prints every certificate-bearing file RKE2 keeps on a node:
 * server/tls/** (servers), the agent/ certificates and kubeconfigs, server/cred kubeconfigs and
 * rke2.yaml. `tail -n +1` frames each file with a `==> path <==` header in a single process.
 * Backup copies (tls-<unix>) are left out: they are not in use.
 */
export function readCertFilesCommand(): RemoteCommand {
  const line = [
    "{",
    `find ${SERVER_TLS_DIR} -type f -name '*.crt' -print0;`,
    `find ${AGENT_DIR} ${DATA_DIR}/server/cred -maxdepth 1 -type f \\( -name '*.crt' -o -name '*.kubeconfig' \\) -print0;`,
    `find ${ADMIN_KUBECONFIG} -maxdepth 0 -type f -print0;`,
    "} 2>/dev/null | xargs -0 -r tail -n +1 --",
  ].join(" ");
  return { line };
}

export interface RemoteFile {
  path: string;
  content: string;
}

/** Split `tail -n +1 f1 f2 …` output back into files. */
export function parseTailOutput(stdout: string): RemoteFile[] {
  const files: RemoteFile[] = [];
  const header = /^==> (.+) <==$/gm;
  let m: RegExpExecArray | null;
  let current: { path: string; start: number } | undefined;
  const close = (end: number) => {
    if (!current) return;
    let content = stdout.slice(current.start, end);
    // tail puts a blank line before every header after the first
    if (content.endsWith("\n\n")) content = content.slice(0, -1);
    files.push({ path: current.path, content });
  };
  while ((m = header.exec(stdout)) !== null) {
    close(m.index);
    current = { path: m[1] as string, start: m.index + m[0].length + 1 };
  }
  close(stdout.length);
  return files;
}

/** tail's complaints about files it could not open, by path. */
export function parseTailErrors(stderr: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stderr.split("\n")) {
    const m = /^tail: cannot open '(.+)' for reading: (.+)$/.exec(line.trim());
    if (m) out.set(m[1] as string, m[2] as string);
  }
  return out;
}
