import type { NodeSpec } from "../../config/inventory.js";
import { kubectl } from "../../rke2/commands.js";
import type { RemoteAccess } from "../engine/definition.js";

export interface NodeStatus {
  name: string;
  ready: boolean;
  reason: string;
  kubeletVersion: string;
  unschedulable: boolean;
}

interface NodeJson {
  metadata?: { name?: string };
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: Array<{ type?: string; status?: string; reason?: string }>;
    nodeInfo?: { kubeletVersion?: string };
  };
}

/** `kubectl get nodes -o json` (a List, or one Node when a name was given). */
export function parseNodes(stdout: string): NodeStatus[] {
  const doc = JSON.parse(stdout) as { items?: NodeJson[] } & NodeJson;
  const items = doc.items ?? [doc];
  return items.map((n) => {
    const ready = n.status?.conditions?.find((c) => c.type === "Ready");
    return {
      name: n.metadata?.name ?? "?",
      ready: ready?.status === "True",
      reason: ready?.reason ?? "no Ready condition",
      kubeletVersion: n.status?.nodeInfo?.kubeletVersion ?? "",
      unschedulable: n.spec?.unschedulable === true,
    };
  });
}

/** `kubectl get --raw /readyz?verbose`: passes only on "readyz check passed" with every [+]; names [-] checks. */
export function parseReadyz(
  code: number | null,
  stdout: string,
  stderr: string,
): { ok: boolean; failed: string[] } {
  const text = `${stdout}\n${stderr.replace(/\\n/g, "\n")}`;
  const failed = [...text.matchAll(/\[-\]([^\s]+)/g)].map((m) => m[1] as string);
  const ok = code === 0 && /readyz check passed/.test(stdout) && failed.length === 0;
  if (!ok && failed.length === 0)
    failed.push(code === 0 ? "readyz did not report passed" : firstLine(stderr) || `exit ${code}`);
  return { ok, failed };
}

const firstLine = (s: string) => s.trim().split("\n")[0] ?? "";

const nodesCmd = () => kubectl("get", "nodes", "-o", "json");
const readyzCmd = () => kubectl("get", "--raw", "/readyz?verbose");

/** Node conditions as the API sees them, asked on `via` (that server's own API) or on any live server. */
export async function readNodeStatuses(
  remote: RemoteAccess,
  via?: NodeSpec,
): Promise<{ nodes: NodeStatus[] } | { error: string }> {
  const res = via ? await remote.run(via, nodesCmd()) : await remote.onAnyServer(nodesCmd());
  if (res.code !== 0) return { error: firstLine(res.stderr) || `kubectl exit ${res.code}` };
  try {
    return { nodes: parseNodes(res.stdout) };
  } catch (e) {
    return { error: `cannot parse kubectl output: ${(e as Error).message}` };
  }
}

export async function readyzOn(
  remote: RemoteAccess,
  server: NodeSpec,
): Promise<{ ok: boolean; failed: string[] }> {
  const res = await remote.run(server, readyzCmd());
  return parseReadyz(res.code, res.stdout, res.stderr);
}

/** One readiness probe of a node: Ready in the API, plus /readyz on the node itself when it is a server. */
export async function probeNode(remote: RemoteAccess, node: NodeSpec): Promise<{ ok: boolean; why: string }> {
  const st = await readNodeStatuses(remote, node.role === "server" ? node : undefined);
  if ("error" in st) return { ok: false, why: st.error };
  const me = st.nodes.find((n) => n.name === node.name);
  if (!me) return { ok: false, why: `node ${node.name} not found in the API` };
  if (!me.ready) return { ok: false, why: `${node.name} not Ready (${me.reason})` };
  if (node.role !== "server") return { ok: true, why: "Ready" };
  const rz = await readyzOn(remote, node);
  return rz.ok
    ? { ok: true, why: "Ready, /readyz ok" }
    : { ok: false, why: `/readyz failing: ${rz.failed.join(", ")}` };
}
