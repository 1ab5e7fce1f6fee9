import { extractCerts } from "../certs/extract-certs.js";
import { sh, type RemoteCommand } from "../ssh/shell-quote.js";
import { ADMIN_KUBECONFIG } from "./paths.js";
import { KUBECONFIG_CERT_FILTER, parseTailOutput } from "./read-cert-files.js";

/** Where the guide's `cp /etc/rancher/rke2/rke2.yaml ~/.kube/config` leaves copies: root's and the SSH user's. */
export const ROOT_KUBECONFIG = "/root/.kube/config";

/**
 * Prints rke2.yaml and each existing copy through the scan's key-free filter (only names and the
 * certificate lines leave the node), framed like `tail`. The SSH user's home is looked up on the node
 * (under sudo `$HOME` would be root's).
 */
export function readKubeconfigCopiesCommand(sshUser: string): RemoteCommand {
  return sh`RKE2_CHATOPS_KCF=${KUBECONFIG_CERT_FILTER}; export RKE2_CHATOPS_KCF; h=$(getent passwd ${sshUser} | cut -d: -f6); for f in ${ADMIN_KUBECONFIG} ${ROOT_KUBECONFIG} "$h/.kube/config"; do [ -n "$h" ] || [ "$f" != "/.kube/config" ] || continue; [ -r "$f" ] || continue; printf '\n==> %s <==\n' "$f"; awk "$RKE2_CHATOPS_KCF" "$f"; done`;
}

export interface KubeconfigCopy {
  path: string;
  /** SHA-256 of the copy's first embedded client certificate, lowercase hex; undefined when it has none. */
  clientFingerprint?: string;
}

/** The client certificate rke2.yaml now holds, and each copy whose client certificate differs from it. */
export function staleCopies(stdout: string): { current?: string; stale: KubeconfigCopy[] } {
  const seen = new Set<string>();
  const files = parseTailOutput(stdout).filter((f) => !seen.has(f.path) && seen.add(f.path));
  const fp = (content: string) =>
    extractCerts("kubeconfig.yaml", content).find((c) => c.source.embedded?.kind === "user" && c.facts)?.facts
      ?.fingerprint256;
  const current = fp(files.find((f) => f.path === ADMIN_KUBECONFIG)?.content ?? "");
  if (!current) return { stale: [] };
  const stale = files
    .filter((f) => f.path !== ADMIN_KUBECONFIG)
    .map((f) => ({ path: f.path, clientFingerprint: fp(f.content) }))
    .filter((c) => c.clientFingerprint !== undefined && c.clientFingerprint !== current);
  return { current, stale };
}

/** Only copies the detection lists may be replaced: a `.kube/config` under a home directory. */
export const isKubeconfigCopyPath = (p: string): boolean =>
  /^\/[^\0]*\/\.kube\/config$/.test(p) && !p.split("/").includes("..");

/**
 * Replaces each listed copy with the current rke2.yaml, keeping the copy's own `server:` value (it may
 * point at an external address): a temp file next to it, owner and mode kept, then an atomic mv.
 */
export function refreshCopiesCommand(paths: readonly string[]): RemoteCommand {
  for (const p of paths) if (!isKubeconfigCopyPath(p)) throw new Error(`not a kubeconfig copy path: ${p}`);
  const body = [
    "set -e",
    'for dst in "$@"; do',
    '  srv=$(sed -n "s/^[[:space:]]*server:[[:space:]]*//p" "$dst" | head -n 1)',
    '  tmp=$(mktemp "$dst.rke2-chatops.XXXXXX")',
    '  S="$srv" awk \'/^[[:space:]]*server:/ && !done && ENVIRON["S"] != "" { match($0, /^[[:space:]]*/); print substr($0, 1, RLENGTH) "server: " ENVIRON["S"]; done = 1; next } { print }\' ' +
      `${ADMIN_KUBECONFIG} > "$tmp"`,
    '  chmod 600 "$tmp"; chown --reference="$dst" "$tmp" 2>/dev/null || true',
    '  mv -f "$tmp" "$dst"; echo "refreshed $dst"',
    "done",
  ].join("\n");
  return sh`sh -c ${body} sh ${paths}`;
}
