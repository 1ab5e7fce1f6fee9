import type { ClusterSpec } from "../../config/inventory.js";
import type { PlanText, PlannedPhase } from "../engine/records.js";

export const RPHASE = { snapshot: "rancher-snapshot", rotate: "rancher-rotate", verify: "verify" } as const;

/**
 * Rancher's requests are cluster-wide: they run as one item anchored on the first server (its
 * ledger keeps the target generations). Every node's leaves are recorded over SSH just before the
 * rotation request and compared after it. Pure.
 */
export function planRancherPhases(cluster: ClusterSpec): PlannedPhase[] {
  const anchor = cluster.nodes.find((n) => n.role === "server")!;
  const others = cluster.nodes.filter((n) => n.name !== anchor.name);
  return [
    {
      id: RPHASE.snapshot,
      title: "etcd snapshot (Rancher)",
      concurrency: 1,
      items: [{ node: anchor.name, role: anchor.role, steps: ["rancher-snapshot"] }],
    },
    {
      id: RPHASE.rotate,
      title: "Rotation (Rancher)",
      concurrency: 1,
      items: [
        ...others.map((n) => ({ node: n.name, role: n.role, steps: ["record-before"] })),
        { node: anchor.name, role: anchor.role, steps: ["record-before", "rancher-rotate"] },
      ],
    },
    {
      id: RPHASE.verify,
      title: "Verification over SSH",
      concurrency: 1,
      items: cluster.nodes.map((n) => ({ node: n.name, role: n.role, steps: ["verify-renewed"] })),
    },
  ];
}

export function rancherPlanText(
  cluster: ClusterSpec,
  where: string,
  generations: { snapshot: number; rotate: number },
): PlanText {
  const r = cluster.rancher!;
  const services = r.rotateServices ? `only ${r.rotateServices.join(", ")}` : "all services";
  return {
    summary: `Rotate the certificates of ${cluster.name} through Rancher (${where}); Rancher provisioned it, so nothing runs rke2 over SSH.`,
    lines: [
      `*Phase 1 — etcd snapshot*: ask Rancher for a snapshot (spec.rkeConfig.etcdSnapshotCreate.generation ${generations.snapshot} → ${generations.snapshot + 1}) and wait until it reports the cluster Ready again.`,
      `*Phase 2 — Rotation*: record every node's leaf certificates over SSH, then ask Rancher to rotate ${services} (rotateCertificates.generation ${generations.rotate} → ${generations.rotate + 1}) and watch its conditions until Ready (up to ${r.waitTimeoutSeconds} s).`,
      `*Phase 3 — Verification*: over SSH, every leaf on ${cluster.nodes.map((n) => n.name).join(", ")} renewed.`,
      "Updates carry the object's resourceVersion: a concurrent edit in Rancher is re-read, never overwritten.",
    ],
  };
}
