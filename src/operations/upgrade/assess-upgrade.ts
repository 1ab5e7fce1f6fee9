import type { ClusterSpec, Inventory } from "../../config/inventory.js";
import { fetchChannels, type FetchLike } from "../../rke2/channel-client.js";
import { checkUpgradePath, pickTargetVersion, type NodeVersion } from "../../rke2/resolve-target.js";
import { parseRke2Version, type Rke2Version } from "../../rke2/rke2-version.js";
import { readNodeStatuses } from "../common/cluster-health.js";
import { clusterPreflight } from "../common/preflight-checks.js";
import type { RemoteAccess } from "../engine/definition.js";
import { forNodes } from "../common/for-nodes.js";
import { installedVersion } from "./node-versions.js";
import type { NodeBefore, UpgradeParams } from "./upgrade-params.js";

export interface AssessDeps {
  inventory: Inventory;
  cluster: ClusterSpec;
  remote: RemoteAccess;
  fetch: FetchLike;
}

export type Assessment =
  | { ok: true; params: UpgradeParams; cordoned: string[] }
  /** `nothingToDo`: every node already runs the target (said so, nothing offered). */
  | { ok: false; problems: string[]; nothingToDo?: boolean };

const refuse = (reason: string): Assessment => ({ ok: false, problems: [`Refused: ${reason}.`] });

/** /readyz includes etcd; say so plainly when that is what fails. */
const etcdWorded = (p: string) =>
  /readyz failing: .*etcd/.test(p) ? `${p} — etcd is unhealthy; an upgrade needs a healthy etcd quorum` : p;

/**
 * Everything an upgrade (and `/rke2 upgrade-plan`) decides before touching anything: the channels
 * read from the inventory's channel server by this process (mirrors and air-gapped sites cannot
 * reach GitHub, so no redirect is followed), the exact target, cluster health (every node reachable
 * and Ready, /readyz incl. etcd on every server), the versions every node runs, and the path rules.
 * Read-only.
 */
export async function assessUpgrade(d: AssessDeps, requested: string): Promise<Assessment> {
  const channelUrl = d.inventory.upgrade.channelUrl;
  let picked: ReturnType<typeof pickTargetVersion>;
  try {
    picked = pickTargetVersion(requested, await fetchChannels(channelUrl, d.fetch));
  } catch (e) {
    return { ok: false, problems: [(e as Error).message] };
  }
  if (!picked.ok) return refuse(picked.reason);
  const target = picked.version;

  const health = await clusterPreflight(d.remote, d.cluster);
  if (health.length > 0) return { ok: false, problems: health.map(etcdWorded) };

  const st = await readNodeStatuses(d.remote);
  if ("error" in st)
    return { ok: false, problems: [`cannot read node versions from any server: ${st.error}`] };
  const installed = await forNodes(d.remote, d.cluster.nodes, (n) => installedVersion(d.remote, n));
  const problems = installed.flatMap((r) => ("error" in r ? [r.error] : []));
  const nodes: Array<{ before: NodeBefore; installed: Rke2Version; kubelet: Rke2Version }> = [];
  d.cluster.nodes.forEach((n, i) => {
    const inst = installed[i]!;
    const api = st.nodes.find((s) => s.name === n.name);
    const kubelet = api && parseRke2Version(api.kubeletVersion);
    if (!kubelet)
      problems.push(
        `${n.name}: the API reports kubelet version "${api?.kubeletVersion ?? "?"}", not an RKE2 version`,
      );
    if ("error" in inst || !kubelet) return;
    const iv = parseRke2Version(inst.version)!;
    nodes.push({
      before: { node: n.name, role: n.role, installed: iv.raw, kubelet: kubelet.raw, skipped: false },
      installed: iv,
      kubelet,
    });
  });
  if (problems.length > 0) return { ok: false, problems };

  // The path rules hold for what runs (kubelet) and for what is installed (a restart would run it).
  for (const which of ["kubelet", "installed"] as const) {
    const vs: NodeVersion[] = nodes.map((n) => ({
      node: n.before.node,
      role: n.before.role,
      version: n[which],
    }));
    const path = checkUpgradePath(requested, { version: target, via: picked.via }, vs);
    if (!path.ok) return refuse(path.reason);
  }
  const at = (v: Rke2Version) => v.raw === target.raw;
  for (const n of nodes) n.before.skipped = at(n.installed) && at(n.kubelet);
  if (nodes.every((n) => n.before.skipped))
    return {
      ok: false,
      nothingToDo: true,
      problems: [
        `Every node of ${d.cluster.name} already runs ${target.raw}: nothing to upgrade, nothing to approve.`,
      ],
    };
  return {
    ok: true,
    params: { requested, target: target.raw, via: picked.via, channelUrl, nodes: nodes.map((n) => n.before) },
    cordoned: st.nodes.filter((s) => s.unschedulable).map((s) => s.name),
  };
}
