import type { ClusterSpec } from "../../config/inventory.js";
import { sh } from "../../ssh/shell-quote.js";
import type { RemoteAccess } from "../engine/definition.js";
import { isCredentialError } from "../../certs/dark-api.js";
import { readNodeStatuses, readyzOn } from "./cluster-health.js";
import { forNodes } from "./for-nodes.js";

const NODE_STATUS_UNREADABLE = "cannot read node status from any server";

/**
 * Read-only health checks every operation starts with: each node reachable with its pinned host
 * key, every node Ready, /readyz (which includes etcd) ok on every server. Returns problems, one
 * line each, worded for the operator.
 */
export async function clusterPreflight(remote: RemoteAccess, cluster: ClusterSpec): Promise<string[]> {
  const problems: string[] = [];
  const reach = await forNodes(remote, cluster.nodes, async (n) => {
    try {
      const r = await remote.run(n, sh`true`, { timeoutMs: 30_000 });
      return r.code === 0 ? undefined : `${n.name}: test command exited ${r.code}`;
    } catch (e) {
      return `${n.name}: not reachable over SSH (${(e as Error).message})`;
    }
  });
  problems.push(...reach.filter((p): p is string => !!p));
  if (problems.length > 0) return problems;

  const st = await readNodeStatuses(remote);
  if ("error" in st) return [`${NODE_STATUS_UNREADABLE}: ${st.error}`];
  for (const n of cluster.nodes) {
    const s = st.nodes.find((x) => x.name === n.name);
    if (!s)
      problems.push(`${n.name}: not found in the Kubernetes API (is the inventory name the node name?)`);
    else if (!s.ready) problems.push(`${n.name}: not Ready (${s.reason})`);
  }
  for (const s of cluster.nodes.filter((n) => n.role === "server")) {
    const rz = await readyzOn(remote, s);
    if (!rz.ok) problems.push(`${s.name}: /readyz failing: ${rz.failed.join(", ")}`);
  }
  return problems;
}

/**
 * The preflight failed only because kubectl's credentials were refused (Unauthorized, x509
 * expired): maybe a dark API (expired certificates), not a down one. Unreachable nodes, NotReady
 * nodes and failing /readyz are never that. Returns kubectl's error text.
 */
export function credentialRefusal(problems: readonly string[]): string | undefined {
  const [only] = problems;
  if (problems.length !== 1 || !only?.startsWith(`${NODE_STATUS_UNREADABLE}: `)) return undefined;
  const error = only.slice(NODE_STATUS_UNREADABLE.length + 2);
  return isCredentialError(error) ? error : undefined;
}
