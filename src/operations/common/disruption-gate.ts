import type { ClusterSpec, NodeSpec } from "../../config/inventory.js";
import type { RemoteAccess } from "../engine/definition.js";
import { isCredentialError } from "../../certs/dark-api.js";
import { readNodeStatuses, readyzOn } from "./cluster-health.js";
import { darkApiGate, serverRunningOverSsh } from "./emergency-gate.js";
import { forNodes } from "./for-nodes.js";

/**
 * Read just before a node is stopped, restarted or drained (preflight may be hours old): every
 * other node still Ready, and every other server's /readyz (etcd included) ok. Taking a server
 * down while another is already unhealthy can cost etcd its quorum.
 * `skip`: nodes this phase is working on right now (concurrent agents), expected to be disturbed.
 */
export async function disruptionGate(o: {
  remote: RemoteAccess;
  cluster: ClusterSpec;
  node: NodeSpec;
  skip: ReadonlySet<string>;
  /** Break-glass rotation (op.params.emergency): the API may still be dark, judged over SSH then. */
  emergency?: boolean;
}): Promise<{ ok: true } | { ok: false; problems: string[] }> {
  const others = o.cluster.nodes.filter((n) => n.name !== o.node.name && !o.skip.has(n.name));
  const problems: string[] = [];
  const st = await readNodeStatuses(o.remote);
  if ("error" in st) {
    if (o.emergency && isCredentialError(st.error)) return darkApiGate(o.remote, others);
    return { ok: false, problems: [`cannot read node status from any server: ${st.error}`] };
  }
  for (const n of others) {
    const s = st.nodes.find((x) => x.name === n.name);
    if (!s) problems.push(`${n.name} is missing from the Kubernetes API`);
    else if (!s.ready) problems.push(`${n.name} is not Ready (${s.reason})`);
  }
  const servers = others.filter((n) => n.role === "server");
  const readyz = await forNodes(o.remote, servers, async (s) => {
    try {
      return { s, rz: await readyzOn(o.remote, s) };
    } catch (e) {
      return { s, rz: { ok: false, failed: [`not reachable (${(e as Error).message})`] } };
    }
  });
  for (const { s, rz } of readyz) {
    if (rz.ok) continue;
    // Break-glass: a server not rotated yet still refuses its own kubectl; SSH says whether it runs.
    if (o.emergency && isCredentialError(rz.failed.join(" "))) {
      const p = await serverRunningOverSsh(o.remote, s);
      if (p) problems.push(p);
    } else problems.push(`${s.name}: /readyz failing: ${rz.failed.join(", ")}`);
  }
  return problems.length ? { ok: false, problems } : { ok: true };
}
