import type { NodeSpec } from "../../config/inventory.js";
import { rke2Version } from "../../rke2/commands.js";
import { parseRke2VersionOutput } from "../../rke2/rke2-version.js";
import type { RemoteAccess } from "../engine/definition.js";
import { readNodeStatuses, type NodeStatus } from "../common/cluster-health.js";

/** `rke2 --version` on the node: the installed binary (the kubelet may still run the old one). */
export async function installedVersion(
  remote: RemoteAccess,
  node: NodeSpec,
): Promise<{ version: string } | { error: string }> {
  const res = await remote.run(node, rke2Version());
  const v = res.code === 0 ? parseRke2VersionOutput(res.stdout) : undefined;
  if (v) return { version: v.raw };
  const why =
    res.code === 0
      ? `unexpected output ${JSON.stringify(res.stdout.trim().split("\n")[0] ?? "")}`
      : `exit ${res.code}: ${res.stderr.trim().split("\n")[0] ?? ""}`;
  return { error: `${node.name}: cannot read \`rke2 --version\` (${why})` };
}

/** This node as the API sees it, read on any live server (the node's own API may be restarting). */
export async function apiStatus(
  remote: RemoteAccess,
  node: NodeSpec,
  via?: NodeSpec,
): Promise<NodeStatus | { error: string }> {
  const st = await readNodeStatuses(remote, via);
  if ("error" in st) return st;
  return st.nodes.find((n) => n.name === node.name) ?? { error: `node ${node.name} not found in the API` };
}

export const isError = <T extends object>(x: T | { error: string }): x is { error: string } => "error" in x;
