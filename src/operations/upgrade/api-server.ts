import type { ClusterSpec, NodeSpec } from "../../config/inventory.js";
import { kubectl } from "../../rke2/commands.js";
import type { RemoteCommand } from "../../ssh/shell-quote.js";
import type { CommandResult } from "../../ssh/ssh-executor.js";
import { readyzOn } from "../common/cluster-health.js";
import type { RemoteAccess } from "../engine/definition.js";
import { ConnectionLostError } from "../engine/remote-access.js";

/**
 * The first server (inventory order) whose /readyz passes. Mutating kubectl calls run there once:
 * RemoteAccess.onAnyServer would repeat a failed drain on every server. When no server answers at
 * all, the connection error propagates so the engine reconnects and re-checks.
 */
export async function healthyServer(
  remote: RemoteAccess,
  cluster: ClusterSpec,
): Promise<NodeSpec | undefined> {
  let lost: unknown;
  let answered = false;
  for (const s of cluster.nodes.filter((n) => n.role === "server")) {
    try {
      if ((await readyzOn(remote, s)).ok) return s;
      answered = true;
    } catch (err) {
      if (!(err instanceof ConnectionLostError)) throw err;
      lost = err;
    }
  }
  if (!answered && lost) throw lost;
  return undefined;
}

export interface KubectlRun {
  cmd: RemoteCommand;
  res: CommandResult;
  server: string;
}

/** kubectl on a healthy server, or a reason why there is none. */
export async function kubectlOnHealthy(
  remote: RemoteAccess,
  cluster: ClusterSpec,
  args: string[],
  opts?: { timeoutMs?: number },
): Promise<KubectlRun | { error: string }> {
  const server = await healthyServer(remote, cluster);
  if (!server)
    return { error: `no server of ${cluster.name} has /readyz ok to run \`kubectl ${args[0]}\` on` };
  const cmd = kubectl(...args);
  return { cmd, res: await remote.run(server, cmd, opts), server: server.name };
}
