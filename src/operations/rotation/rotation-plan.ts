import type { ClusterSpec, Inventory } from "../../config/inventory.js";
import { escapeMrkdwn } from "../../shared/mrkdwn.js";
import type { PlanText, PlannedPhase } from "../engine/records.js";
import { snapshotName } from "./backup-steps.js";
import { daysBetween, type LeafFact } from "./renewal.js";

export const PHASE = { backup: "backup", servers: "server-roll", agents: "agents" } as const;
export const SERVER_ROLL_STEPS = [
  "record-before",
  "stop",
  "rotate",
  "start",
  "wait-ready",
  "verify-certs",
  "kubeconfig-copies",
];
export const AGENT_STEPS = ["await-renewal", "restart", "verify"];

/**
 * The rotation plan, frozen into the op record: backups on every server; then (after recording
 * every agent's leaves, so phase 3 can compare) servers one at a time in inventory order; then
 * agents. The cluster-wide health check closes the last phase. Pure.
 */
export function planRotationPhases(cluster: ClusterSpec): PlannedPhase[] {
  const servers = cluster.nodes.filter((n) => n.role === "server");
  const agents = cluster.nodes.filter((n) => n.role === "agent");
  const phases: PlannedPhase[] = [
    {
      id: PHASE.backup,
      title: "Backup",
      concurrency: 1,
      items: servers.map((n) => ({ node: n.name, role: n.role, steps: ["snapshot", "tls-backup"] })),
    },
    {
      id: PHASE.servers,
      title: "Server roll",
      concurrency: 1,
      items: [
        ...agents.map((n) => ({ node: n.name, role: n.role, steps: ["record-before"] })),
        ...servers.map((n) => ({ node: n.name, role: n.role, steps: SERVER_ROLL_STEPS })),
      ],
    },
  ];
  if (agents.length > 0)
    phases.push({
      id: PHASE.agents,
      title: "Agent verification",
      concurrency: 1,
      items: agents.map((n) => ({ node: n.name, role: n.role, steps: AGENT_STEPS })),
    });
  phases.at(-1)!.items.push({ node: servers[0]!.name, role: "server", steps: ["final-health"] });
  return phases;
}

export interface ScannedNode {
  node: string;
  leaves: LeafFact[];
}

export function rotationPlanText(
  opId: string,
  inv: Inventory,
  cluster: ClusterSpec,
  scans: ScannedNode[],
  now: Date,
): PlanText {
  const servers = cluster.nodes.filter((n) => n.role === "server").map((n) => n.name);
  const agents = cluster.nodes.filter((n) => n.role === "agent").map((n) => n.name);
  const worst = scans
    .flatMap((s) => s.leaves.map((l) => ({ node: s.node, l })))
    .sort((a, b) => Date.parse(a.l.notAfter) - Date.parse(b.l.notAfter))
    .slice(0, 5)
    .map(
      ({ node, l }) =>
        `• ${node}: \`${escapeMrkdwn(l.path)}\` expires ${l.notAfter.slice(0, 10)} (${daysBetween(now, l.notAfter)} days)`,
    );
  const lines = [
    `*Phase 1 — Backup* on every server: etcd snapshot \`${snapshotName(opId)}\` (while rke2-server runs) and a tarball of server/tls.`,
    `*Phase 2 — Server roll*, one at a time, each Ready before the next: ${servers.join(" → ")}. Per server: stop, \`rke2 certificate rotate\`, start, wait for Ready and /readyz, verify every leaf renewed.`,
    agents.length > 0
      ? `*Phase 3 — Agents*: ${agents.join(", ")}. Wait up to ${inv.operations.agentRenewalGraceSeconds} s for re-enrolment, then restart rke2-agent where needed and verify.`
      : "*No agents* in this cluster.",
    "*Worst expiries now:*",
    ...worst,
  ];
  return {
    summary: `Rotate every leaf certificate of ${cluster.name}: ${servers.length} server(s), ${agents.length} agent(s).`,
    lines,
  };
}
