import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import type { SimCluster } from "../../rig/sim-cluster.js";

/**
 * The simulated cluster listed twice, as `sim` (C0PRODOPS) and `edge` (C0EDGEOPS): two clusters
 * for the report's one-message-per-cluster checks without starting twice the nodes.
 */
export function writeTwoClusterInventory(
  sim: SimCluster,
  report: { schedule: string; timezone?: string },
  o: { rancherOnly?: boolean } = {},
): string {
  const doc = parse(sim.inventoryYaml({ channel: "C0PRODOPS", approvers: ["U0APPROVER1"] })) as {
    clusters: Array<Record<string, unknown>>;
  } & Record<string, unknown>;
  const base = doc.clusters[0]!;
  doc.clusters = [base, { ...base, name: "edge", channel: "C0EDGEOPS" }];
  // A Rancher-provisioned cluster that lists no nodes: nothing for the daily report to read over SSH.
  if (o.rancherOnly)
    doc.clusters.push({
      name: "fleet",
      channel: "C0FLEETOPS",
      rancher: { url: "https://rancher.example.com", tokenEnv: "RANCHER_TOKEN", name: "fleet" },
    });
  doc.report = { schedule: report.schedule, timezone: report.timezone ?? "UTC" };
  const path = join(sim.dir, "two-clusters.yaml");
  writeFileSync(path, stringify(doc, { lineWidth: 0 }));
  return path;
}
