import { shellQuote, type RemoteCommand } from "../ssh/shell-quote.js";
import { AGENT_DIR, ADMIN_KUBECONFIG, DATA_DIR, SERVER_TLS_DIR } from "./paths.js";

/**
 * The kubeconfig filter as an awk function over `$0` (state in `sec`, `it`, `inu`; reset them per
 * file), so that the standalone filter and the scan's one awk share it. Only the `clusters:` and
 * `users:` lists survive, each entry reduced to its `name:` and `cluster:`/`user:` with the one
 * certificate line the scan reads (`certificate-authority-data:` / `client-certificate-data:`).
 * `client-key-data`, tokens, passwords and the rest are dropped on the node.
 * Handles the standard layout RKE2 writes (list items at any indent, keys two deeper). POSIX awk.
 */
const KCF_FUNCTIONS = [
  'function sp(n,  s) { s = ""; while (n-- > 0) s = s " "; return s }',
  "function kcf(  ind, rest, want) {",
  "  if ($0 ~ /^[^ #-]/) {",
  '    sec = ""; if ($0 ~ /^users:[ ]*$/) sec = "user"; else if ($0 ~ /^clusters:[ ]*$/) sec = "cluster"',
  '    if (sec != "") print sec "s:"; it = -1; inu = 0; return',
  "  }",
  '  if (sec == "") return',
  "  match($0, /^ */); ind = RLENGTH; rest = substr($0, ind + 1)",
  '  if (rest == "-" || substr(rest, 1, 2) == "- ") {',
  "    if (it < 0) it = ind",
  "    if (ind != it) return",
  '    print sp(ind) "-"; inu = 0',
  '    rest = substr(rest, 3); ind = ind + 2; if (rest == "") return',
  "  }",
  "  if (it < 0) return",
  "  if (ind == it + 2) {",
  "    if (rest ~ /^name:[ ]/) { print sp(ind) rest; return }",
  '    inu = (rest ~ ("^" sec ":[ ]*$")); if (inu) print sp(ind) sec ":"; return',
  "  }",
  '  want = (sec == "user") ? "^client-certificate-data:[ ]" : "^certificate-authority-data:[ ]"',
  "  if (inu && ind > it + 2 && rest ~ want) print sp(ind) rest",
  "}",
];

/**
 * Runs on the node over one kubeconfig (file argument or stdin), so that private keys never leave
 * it: see KCF_FUNCTIONS.
 */
export const KUBECONFIG_CERT_FILTER = [
  ...KCF_FUNCTIONS,
  'FNR == 1 { sec = ""; it = -1; inu = 0 }',
  "{ kcf() }",
].join("\n");

/**
 * One awk over every file named on its command line: frames each like `tail -n +1` does
 * (`==> path <==`), prints certificate files whole and passes kubeconfigs (and rke2.yaml) through
 * the kubeconfig filter. One process instead of a tail and an awk per file: the scan's remote cost
 * is mostly process start-up (issue 16). Files are read with getline, not as awk's input, because
 * awk (mawk) stops at the first input file it cannot open: a file that vanishes between the shell's
 * test and the read (a rotation rewriting it) is reported in tail's words and the rest still read.
 */
export const FRAME_AND_FILTER = [
  ...KCF_FUNCTIONS,
  "BEGIN {",
  "  for (i = 1; i < ARGC; i++) {",
  "    f = ARGV[i]",
  "    r = (getline < f)",
  "    if (r < 0) {",
  `      printf "tail: cannot open '%s' for reading: it could not be opened (did it change during the scan?)\\n", f > "/dev/stderr"`,
  "      continue",
  "    }",
  '    printf "\\n==> %s <==\\n", f',
  '    kc = (f ~ /(\\.kubeconfig|\\/rke2\\.yaml)$/); sec = ""; it = -1; inu = 0',
  "    while (r > 0) { if (kc) kcf(); else print; r = (getline < f) }",
  "    close(f)",
  "  }",
  "  exit",
  "}",
].join("\n");

/**
 * One remote command that prints every certificate-bearing file RKE2 keeps on a node:
 * server/tls/** (servers) and the agent/ and server/cred certificates in full (public PEM), the
 * agent and server/cred kubeconfigs and rke2.yaml through KUBECONFIG_CERT_FILTER. Each file is
 * framed with a `==> path <==` header. Backup copies (tls-<unix>) are left out: they are not in use.
 * Two programs run (the login shell, then one awk in its place): globs and the file tests are the shell's own. A
 * file the SSH user may not read is reported on stderr in tail's words (parseTailErrors).
 */
export function readCertFilesCommand(): RemoteCommand {
  const line = [
    `RKE2_CHATOPS_KCF=${shellQuote(FRAME_AND_FILTER)};`,
    // Globs, not find: a find in a command substitution costs the login shell a fork, about half
    // of this command's remote time (issue 16). RKE2 keeps certificates at most two levels down in
    // server/tls (etcd/, kube-controller-manager/, temporary-certs/); three levels are read.
    `set -- ${SERVER_TLS_DIR}/*.crt ${SERVER_TLS_DIR}/*/*.crt ${SERVER_TLS_DIR}/*/*/*.crt ${AGENT_DIR}/*.crt ${DATA_DIR}/server/cred/*.crt ${AGENT_DIR}/*.kubeconfig ${DATA_DIR}/server/cred/*.kubeconfig ${ADMIN_KUBECONFIG};`,
    // The candidates are rebuilt in place: `for` read the list once, each one is shifted off and kept if readable.
    'for f do shift; [ -f "$f" ] || continue;',
    `if [ ! -r "$f" ]; then printf "tail: cannot open '%s' for reading: Permission denied\\n" "$f" >&2;`,
    'else set -- "$@" "$f"; fi;',
    "done;",
    // exec: the awk takes the shell's place instead of being forked from it (its status is the command's).
    '[ $# -eq 0 ] || exec awk "$RKE2_CHATOPS_KCF" "$@"',
  ].join(" ");
  return { line };
}

export interface RemoteFile {
  path: string;
  content: string;
}

/** Split `tail -n +1 f1 f2 …`-framed output (the scan's awk frames files the same way) back into files. */
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
