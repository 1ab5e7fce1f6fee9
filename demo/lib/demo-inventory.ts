// The ordinary inventory file the bot reads (RKE2_CHATOPS_CONFIG): the simulated nodes, the demo
// users as approvers, and short waits so a rotation finishes in about a minute.
import { writeFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import type { SimCluster } from "../../test/rig/sim-cluster.js";
import { DEMO_CHANNEL } from "./demo-cluster.js";
import { APPROVER_IDS } from "./users.js";

/** Real RKE2 clusters want minutes here; the simulated nodes restart in a second. */
export const DEMO_OPERATIONS = {
  agentRenewalGraceSeconds: 2,
  nodeReadyTimeoutSeconds: 60,
  pollIntervalSeconds: 1,
};

/** The real daily schedule: the demo asks for one firing at start instead of waiting for 08:00. */
export const DEMO_REPORT = { schedule: "0 8 * * *", timezone: "UTC", renewalWindowDays: 120 };

const HEADER = [
  "# Written by `npm run demo` for its simulated cluster; the bot reads it like any inventory.",
  "# See README.md (Inventory file) for every key.",
  "",
].join("\n");

export function demoInventoryYaml(sim: SimCluster): string {
  const doc = parse(
    sim.inventoryYaml({ channel: DEMO_CHANNEL, operations: DEMO_OPERATIONS, report: DEMO_REPORT }),
  ) as Record<string, unknown>;
  const ordered = {
    approvals: { approvers: APPROVER_IDS, requireDistinctApprover: true, expireAfterMinutes: 60 },
    ...doc,
  };
  return HEADER + stringify(ordered, { lineWidth: 0 });
}

export function writeDemoInventory(sim: SimCluster, path: string): string {
  writeFileSync(path, demoInventoryYaml(sim));
  return path;
}
