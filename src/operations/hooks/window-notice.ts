import type { Inventory } from "../../config/inventory.js";
import type { Clock } from "../../shared/clock.js";
import type { OperationsApi } from "../operations-api.js";
import { outsideWindow } from "./cluster-hooks.js";

/**
 * `/rke2 rotate prod` outside a maintenance window still posts the plan (approvals can be given
 * ahead), and says when the next window opens: approved phases wait for it by themselves.
 */
export function withWindowNotice(ops: OperationsApi, inventory: Inventory, clock: Clock): OperationsApi {
  return {
    ...ops,
    async request(kind, clusterName, args, by) {
      const out = await ops.request(kind, clusterName, args, by);
      const cluster = inventory.clusters.find((c) => c.name === clusterName);
      const closed = cluster && outsideWindow(cluster.maintenanceWindows, clock.now());
      if (!closed || !out.ok) return out;
      return {
        ...out,
        message: `${out.message}\n:clock3: ${cluster.name} is ${closed.reason}; approved phases will wait for it and start then without a new approval.`,
      };
    },
  };
}
