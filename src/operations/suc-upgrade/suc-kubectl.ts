import { servers, type ClusterSpec, type SucManifests } from "../../config/inventory.js";
import { kubectl } from "../../rke2/commands.js";
import { ADMIN_KUBECONFIG, KUBECTL } from "../../rke2/paths.js";
import { sh, type RemoteCommand } from "../../ssh/shell-quote.js";
import type { CommandResult } from "../../ssh/ssh-executor.js";
import type { RemoteAccess } from "../engine/definition.js";
import { ConnectionLostError } from "../engine/remote-access.js";
import { healthyServer } from "../upgrade/api-server.js";

export const SUC_NS = "system-upgrade";
export const SUC_CRD = "plans.upgrade.cattle.io";
export const SUC_DEPLOY = "system-upgrade-controller";
export type PlanRole = "server" | "agent";
export const planName = (role: PlanRole) => `${role}-plan`;

export type Ran = { res: CommandResult; server: string; line: string } | { error: string };

/** An API that refuses or cannot be reached: that server is restarting (its own SUC job), ask the next. */
const apiDown = (r: CommandResult) =>
  r.code !== 0 && /was refused|Unable to connect to the server|connection refused/i.test(r.stderr);

/**
 * A read-only kubectl call on the first server whose API answers, in inventory order. A server whose
 * rke2-server an SUC job is restarting refuses; the others still answer.
 */
export async function kubectlRead(remote: RemoteAccess, cluster: ClusterSpec, args: string[]): Promise<Ran> {
  const cmd = kubectl(...args);
  let lost: unknown;
  let last: Ran = { error: `no server of ${cluster.name} answered \`kubectl ${args.join(" ")}\`` };
  for (const s of servers(cluster)) {
    try {
      const res = await remote.run(s, cmd);
      if (!apiDown(res)) return { res, server: s.name, line: cmd.line };
      last = { error: `${s.name}: ${res.stderr.trim().split("\n").at(-1) ?? "API down"}` };
    } catch (err) {
      if (!(err instanceof ConnectionLostError)) throw err;
      lost = err;
    }
  }
  if (lost && "error" in last && last.error.startsWith("no server")) throw lost;
  return last;
}

/** A changing kubectl call, once, on a server with /readyz ok. */
export async function kubectlChange(
  remote: RemoteAccess,
  cluster: ClusterSpec,
  cmd: RemoteCommand,
): Promise<Ran> {
  const server = await healthyServer(remote, cluster);
  if (!server) return { error: `no server of ${cluster.name} has /readyz ok to run kubectl on` };
  return { res: await remote.run(server, cmd), server: server.name, line: cmd.line };
}

/** `kubectl apply -f -` of YAML text: the document goes through printf's argument, quoted by `sh`. */
export const applyStdin = (yaml: string): RemoteCommand =>
  sh`printf '%s' ${yaml} | ${KUBECTL} --kubeconfig ${ADMIN_KUBECONFIG} apply -f -`;

export const applyManifests = (m: SucManifests): RemoteCommand =>
  kubectl("apply", "-f", m.crd, "-f", m.controller);
/** Controller first, then the CRD (the guide's order); what is already gone is not an error. */
export const deleteManifests = (m: SucManifests): RemoteCommand =>
  kubectl("delete", "--ignore-not-found", "-f", m.controller, "-f", m.crd);
export const deletePlans = (): RemoteCommand =>
  kubectl("-n", SUC_NS, "delete", "plan", "--ignore-not-found", planName("server"), planName("agent"));
export const deleteJobs = (names: string[]): RemoteCommand =>
  kubectl("-n", SUC_NS, "delete", "job", "--ignore-not-found", ...names);

const notFound = (r: CommandResult) =>
  r.code !== 0 && /NotFound|not found|the server doesn't have a resource type/i.test(r.stderr);

/** Is the controller there? Both the CRD and the Deployment; read-only. */
export async function sucPresence(
  remote: RemoteAccess,
  cluster: ClusterSpec,
): Promise<{ crd: boolean; controller: boolean } | { error: string }> {
  const out: Record<string, boolean> = {};
  for (const [key, args] of [
    ["crd", ["get", "crd", SUC_CRD]],
    ["controller", ["-n", SUC_NS, "get", "deploy", SUC_DEPLOY]],
  ] as const) {
    const r = await kubectlRead(remote, cluster, [...args]);
    if ("error" in r) return r;
    if (r.res.code !== 0 && !notFound(r.res))
      return { error: `\`${r.line}\` on ${r.server} failed: ${r.res.stderr.trim().split("\n").at(-1)}` };
    out[key] = r.res.code === 0;
  }
  return { crd: out.crd!, controller: out.controller! };
}

/** `kubectl get … -o json` items, or why not; a missing type/namespace reads as no items. */
export async function getItems<T>(
  remote: RemoteAccess,
  cluster: ClusterSpec,
  what: string,
): Promise<T[] | { error: string }> {
  const r = await kubectlRead(remote, cluster, ["-n", SUC_NS, "get", what, "-o", "json"]);
  if ("error" in r) return r;
  if (notFound(r.res)) return [];
  if (r.res.code !== 0)
    return { error: `\`kubectl get ${what}\` on ${r.server}: ${r.res.stderr.trim().split("\n").at(-1)}` };
  try {
    return ((JSON.parse(r.res.stdout) as { items?: T[] }).items ?? []) as T[];
  } catch {
    return { error: `\`kubectl get ${what}\` on ${r.server} printed no JSON list` };
  }
}

/** The tail of a job's pod log (what the guide says to read first). */
export async function jobLog(
  remote: RemoteAccess,
  cluster: ClusterSpec,
  job: string,
  lines = 12,
): Promise<string> {
  const r = await kubectlRead(remote, cluster, [
    "-n",
    SUC_NS,
    "logs",
    `job/${job}`,
    "--all-containers",
    `--tail=${lines}`,
  ]);
  if ("error" in r) return `(no log: ${r.error})`;
  return r.res.code === 0 ? r.res.stdout.trimEnd() : `(no log: ${r.res.stderr.trim().split("\n").at(-1)})`;
}
