import { shellQuote, type RemoteCommand } from "../ssh/shell-quote.js";
import { AGENT_DIR, ADMIN_KUBECONFIG, DATA_DIR, SERVER_TLS_DIR } from "./paths.js";

/**
 * Runs on the node over each kubeconfig, so that private keys never leave it: only the `clusters:`
 * and `users:` lists survive, each entry reduced to its `name:` and `cluster:`/`user:` with the one
 * certificate line the scan reads (`certificate-authority-data:` / `client-certificate-data:`).
 * `client-key-data`, tokens, passwords and the rest are dropped there.
 * Handles the standard layout RKE2 writes (list items at any indent, keys two deeper). POSIX awk.
 */
export const KUBECONFIG_CERT_FILTER = [
  'function sp(n,  s) { s = ""; while (n-- > 0) s = s " "; return s }',
  "/^[^ #-]/ {",
  '  sec = ""; if ($0 ~ /^users:[ ]*$/) sec = "user"; else if ($0 ~ /^clusters:[ ]*$/) sec = "cluster"',
  '  if (sec != "") print sec "s:"; it = -1; inu = 0; next',
  "}",
  'sec == "" { next }',
  "{",
  "  match($0, /^ */); ind = RLENGTH; rest = substr($0, ind + 1)",
  '  if (rest == "-" || substr(rest, 1, 2) == "- ") {',
  "    if (it < 0) it = ind",
  "    if (ind != it) next",
  '    print sp(ind) "-"; inu = 0',
  '    rest = substr(rest, 3); ind = ind + 2; if (rest == "") next',
  "  }",
  "  if (it < 0) next",
  "  if (ind == it + 2) {",
  "    if (rest ~ /^name:[ ]/) { print sp(ind) rest; next }",
  '    inu = (rest ~ ("^" sec ":[ ]*$")); if (inu) print sp(ind) sec ":"; next',
  "  }",
  '  want = (sec == "user") ? "^client-certificate-data:[ ]" : "^certificate-authority-data:[ ]"',
  "  if (inu && ind > it + 2 && rest ~ want) print sp(ind) rest",
  "}",
].join("\n");

/** Frames each kubeconfig like `tail` frames files, with the filtered content; tail reports unreadable ones. */
const FILTER_EACH =
  'for f in "$@"; do printf "\\n==> %s <==\\n" "$f"; tail -n +1 -- "$f" | awk "$RKE2_CHATOPS_KCF"; done';

/**
 * One remote command that prints every certificate-bearing file RKE2 keeps on a node:
 * server/tls/** (servers) and the agent/ and server/cred certificates in full (public PEM), the
 * agent and server/cred kubeconfigs and rke2.yaml through KUBECONFIG_CERT_FILTER. Each file is
 * framed with a `==> path <==` header. Backup copies (tls-<unix>) are left out: they are not in use.
 */
export function readCertFilesCommand(): RemoteCommand {
  const line = [
    `RKE2_CHATOPS_KCF=${shellQuote(KUBECONFIG_CERT_FILTER)}; export RKE2_CHATOPS_KCF;`,
    "{",
    `find ${SERVER_TLS_DIR} -type f -name '*.crt' -print0;`,
    `find ${AGENT_DIR} ${DATA_DIR}/server/cred -maxdepth 1 -type f -name '*.crt' -print0;`,
    "} 2>/dev/null | xargs -0 -r tail -n +1 --;",
    "{",
    `find ${AGENT_DIR} ${DATA_DIR}/server/cred -maxdepth 1 -type f -name '*.kubeconfig' -print0;`,
    `find ${ADMIN_KUBECONFIG} -maxdepth 0 -type f -print0;`,
    `} 2>/dev/null | xargs -0 -r sh -c ${shellQuote(FILTER_EACH)} sh`,
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
