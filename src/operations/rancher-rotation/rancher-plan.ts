import type { ClusterSpec } from "../../config/inventory.js";
import { CLUSTER_ITEM } from "../engine/cluster-item.js";
import type { PlanText, PlannedItem, PlannedPhase } from "../engine/records.js";

export const RPHASE = { snapshot: "rancher-snapshot", rotate: "rancher-rotate", verify: "verify" } as const;

/**
 * Rancher's requests are cluster-wide: they run as one item anchored on the first server (its
 * ledger keeps the target generations). Every node's leaves are recorded over SSH just before the
 * rotation request and compared after it. With no nodes listed, one CLUSTER_ITEM does it all and
 * reads the serving certificates through the downstream API instead. Pure.
 */
export function planRancherPhases(cluster: ClusterSpec): PlannedPhase[] {
  if (cluster.nodes.length === 0) {
    const item = (steps: string[]): PlannedItem[] => [{ node: CLUSTER_ITEM, role: "server", steps }];
    return [
      {
        id: RPHASE.snapshot,
        title: "etcd snapshot (Rancher)",
        concurrency: 1,
        items: item(["rancher-snapshot"]),
      },
      {
        id: RPHASE.rotate,
        title: "Rotation (Rancher)",
        concurrency: 1,
        items: item(["record-endpoints", "rancher-rotate"]),
      },
      {
        id: RPHASE.verify,
        title: "Verification through Rancher's API",
        concurrency: 1,
        items: item(["verify-api"]),
      },
    ];
  }
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

/** What the preflight saw through the downstream API (only for a cluster with no nodes listed). */
export interface ApiPlanView {
  clusterId: string;
  nodes: number;
  endpoints: string[];
}

export function rancherPlanText(
  cluster: ClusterSpec,
  where: string,
  generations: { snapshot: number; rotate: number },
  services: readonly string[] | undefined,
  api?: ApiPlanView,
): PlanText {
  const r = cluster.rancher!;
  const which = services ? `only ${services.join(", ")}` : "all services";
  const record = api
    ? `read the serving certificates of ${api.endpoints.length} endpoints through Rancher's API`
    : "record every node's leaf certificates over SSH";
  const verify = api
    ? `*Phase 3 — Verification through Rancher's API* (downstream cluster ${api.clusterId}, no SSH nodes listed): all ${api.nodes} nodes Ready, and a TLS handshake with each of ${api.endpoints.join(", ")} shows a renewed certificate (new serial, valid now, expiry beyond the renewal window)${services ? "; endpoints outside the services asked for are not judged" : ""}.`
    : `*Phase 3 — Verification*: over SSH, every leaf on ${cluster.nodes.map((n) => n.name).join(", ")} renewed.`;
  return {
    summary: `Rotate the certificates of ${cluster.name} through Rancher (${where}); Rancher provisioned it, so nothing runs rke2 over SSH.`,
    lines: [
      `*Phase 1 — etcd snapshot*: ask Rancher for a snapshot (spec.rkeConfig.etcdSnapshotCreate.generation ${generations.snapshot} → ${generations.snapshot + 1}) and wait until it reports the cluster Ready again.`,
      `*Phase 2 — Rotation*: ${record}, then ask Rancher to rotate ${which} (rotateCertificates.generation ${generations.rotate} → ${generations.rotate + 1}${services ? `, services ${services.join(", ")}` : ""}) and watch its conditions until Ready (up to ${r.waitTimeoutSeconds} s).`,
      verify,
      "Updates carry the object's resourceVersion: a concurrent edit in Rancher is re-read, never overwritten.",
    ],
  };
}
