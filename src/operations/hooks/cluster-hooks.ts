import { runAppChecks, type FetchLike } from "../../checks/app-check.js";
import type { MaintenanceWindow } from "../../config/inventory.js";
import { windowState } from "../../schedule/maintenance-window.js";
import type { EngineHooks } from "../engine/ports.js";

const when = (d: Date) =>
  d
    .toISOString()
    .replace(/:\d\d\.\d{3}Z$/, " UTC")
    .replace("T", " ");

/** Why a node may not start now, or undefined when a window is open (or none is configured). */
export function outsideWindow(
  windows: MaintenanceWindow[],
  now: Date,
): { opensAt: Date; reason: string } | undefined {
  const s = windowState(windows, now);
  if (s.open) return undefined;
  return {
    opensAt: s.opensAt,
    reason: `outside the maintenance window; the next one opens ${when(s.opensAt)}`,
  };
}

/**
 * The engine's seams filled from the inventory: maintenance windows gate the start of each node
 * (a node already in progress finishes), application checks run after each node is back.
 */
export function clusterHooks(opts: { fetch?: FetchLike; probe?: EngineHooks["probe"] } = {}): EngineHooks {
  return {
    async mayStartNode({ cluster, now }) {
      const closed = outsideWindow(cluster.maintenanceWindows, now);
      return closed ? { ok: false, notBefore: closed.opensAt, reason: closed.reason } : { ok: true };
    },
    async afterNode({ cluster, node, disrupted }) {
      // Only after a node that went down (or was drained) and came back: reads and backups do not count.
      if (!disrupted || cluster.appChecks.length === 0) return { ok: true };
      const failed = (await runAppChecks(cluster.appChecks, opts.fetch)).filter((r) => !r.ok);
      if (failed.length === 0) return { ok: true };
      const what = failed.map((f) => `${f.name} (${f.url}): ${f.error}`).join("; ");
      return { ok: false, message: `application check failed after ${node.name} came back: ${what}` };
    },
    ...(opts.probe ? { probe: opts.probe } : {}),
  };
}
