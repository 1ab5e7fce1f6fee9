// Inventory text (src/config/inventory-schema.ts) for a simulated cluster.
import { stringify } from "yaml";

export interface InventoryExtra {
  channel?: string;
  approvers?: string[];
  operations?: object;
  report?: object;
  upgrade?: object;
  clusterExtra?: object;
}

export const SIM_INSTALL_COMMAND = "INSTALL_RKE2_TYPE={type} INSTALL_RKE2_VERSION={version} rke2-install-sim";

export function buildInventoryYaml(
  cluster: {
    name: string;
    clientKeyPath: string;
    nodes: Array<{ name: string; role: string; port: number; hostKeyFingerprint: string }>;
  },
  extra: InventoryExtra = {},
): string {
  const doc: Record<string, unknown> = {};
  if (extra.approvers) doc.approvals = { approvers: extra.approvers };
  if (extra.report) doc.report = extra.report;
  if (extra.operations) doc.operations = extra.operations;
  doc.upgrade = { installCommand: SIM_INSTALL_COMMAND, ...(extra.upgrade ?? {}) };
  doc.ssh = { user: "root", privateKeyPath: cluster.clientKeyPath, connectTimeoutSeconds: 10 };
  doc.clusters = [
    {
      name: cluster.name,
      channel: extra.channel ?? "C0SIMOPS",
      ...(extra.clusterExtra ?? {}),
      nodes: cluster.nodes.map((n) => ({
        name: n.name,
        host: "127.0.0.1",
        role: n.role,
        hostKey: n.hostKeyFingerprint,
        port: n.port,
      })),
    },
  ];
  return stringify(doc, { lineWidth: 0 });
}
