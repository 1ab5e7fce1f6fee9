import type { NodeSpec } from "../../config/inventory.js";
import { systemctl } from "../../rke2/commands.js";
import type { RemoteAccess } from "../engine/definition.js";

/**
 * What the health gate can still tell over SSH while the API is dark (break-glass rotation): is
 * rke2-server running on `server`? A problem line, or undefined when it is active.
 */
export async function serverRunningOverSsh(
  remote: RemoteAccess,
  server: NodeSpec,
): Promise<string | undefined> {
  try {
    const r = await remote.run(server, systemctl("is-active", "rke2-server"));
    const state = r.stdout.trim() || `unknown (exit ${r.code})`;
    return state === "active" ? undefined : `${server.name}: rke2-server is ${state} (read over SSH)`;
  } catch (e) {
    return `${server.name}: not reachable over SSH (${(e as Error).message})`;
  }
}

/** The dark API itself (first server of a break-glass roll): every other server's rke2-server running. */
export async function darkApiGate(
  remote: RemoteAccess,
  others: readonly NodeSpec[],
): Promise<{ ok: true } | { ok: false; problems: string[] }> {
  const problems: string[] = [];
  for (const s of others.filter((n) => n.role === "server")) {
    const p = await serverRunningOverSsh(remote, s);
    if (p) problems.push(p);
  }
  return problems.length ? { ok: false, problems } : { ok: true };
}
