import { findCluster } from "../../config/inventory.js";
import { sshPoolSettings } from "../../config/ssh-pool-settings.js";
import type { OpRecord } from "../engine/records.js";
import { createRemoteAccess } from "../engine/remote-access.js";
import type { ServiceDeps } from "./service-deps.js";

/** Run the definition's onAbort (if any) while the operation still holds its cluster lock. */
export async function abortCleanup(d: ServiceDeps, op: OpRecord): Promise<string[]> {
  const def = d.definitions.get(op.kind);
  const cluster = findCluster(d.inventory, op.cluster);
  if (!def?.onAbort || !cluster || op.status !== "halted") return [];
  const log = d.logger.child({ op: op.id, cluster: cluster.name, action: "abort" });
  const remote = createRemoteAccess({
    executor: d.executor,
    cluster,
    clock: d.clock,
    log,
    commandTimeoutMs: d.commandTimeoutMs,
    concurrency: sshPoolSettings(d.inventory).maxConcurrency,
    policy: {
      renewalWindowDays: d.inventory.report.renewalWindowDays,
      alertDays: d.inventory.report.alertDays,
    },
  });
  try {
    return await def.onAbort({ op, cluster, inventory: d.inventory, remote, clock: d.clock, log });
  } catch (err) {
    log.warn({ err }, "clean-up on abort failed");
    return [`clean-up on abort failed: ${(err as Error).message}`];
  } finally {
    await remote.close();
  }
}
