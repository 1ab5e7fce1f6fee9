import type { ClusterSpec, Inventory } from "../../config/inventory.js";
import { escapeMrkdwn } from "../../shared/mrkdwn.js";
import type { PlanText, PlannedPhase } from "../engine/records.js";
import { snapshotName } from "../rotation/backup-steps.js";
import { daysBetween, type LeafFact } from "../rotation/renewal.js";

export const RENEW_PHASE = {
  snapshot: "snapshot",
  servers: "server-restarts",
  agents: "agent-restarts",
} as const;
export const SERVER_STEPS = ["record-before", "restart", "wait-ready", "verify-renewed"];

/** Agent steps; cordon and drain first (uncordon last) when `operations.drainForRestart` is on. */
export const agentSteps = (drain: boolean): string[] =>
  drain
    ? ["cordon", "drain", "restart", "wait-ready", "verify-renewed", "uncordon"]
    : ["restart", "wait-ready", "verify-renewed"];

/**
 * Frozen into the op record: one etcd snapshot; then (after recording every agent's leaves) servers
 * one at a time in inventory order; then agents, one at a time. Cluster health closes the last phase. Pure.
 */
export function planRenewPhases(cluster: ClusterSpec, drain: boolean): PlannedPhase[] {
  const servers = cluster.nodes.filter((n) => n.role === "server");
  const agents = cluster.nodes.filter((n) => n.role === "agent");
  const phases: PlannedPhase[] = [
    {
      id: RENEW_PHASE.snapshot,
      title: "Snapshot",
      concurrency: 1,
      items: [{ node: servers[0]!.name, role: "server", steps: ["snapshot"] }],
    },
    {
      id: RENEW_PHASE.servers,
      title: "Server restarts",
      concurrency: 1,
      items: [
        ...agents.map((n) => ({ node: n.name, role: n.role, steps: ["record-before"] })),
        ...servers.map((n) => ({ node: n.name, role: n.role, steps: SERVER_STEPS })),
      ],
    },
  ];
  if (agents.length > 0)
    phases.push({
      id: RENEW_PHASE.agents,
      title: "Agent restarts",
      concurrency: 1,
      items: agents.map((n) => ({ node: n.name, role: n.role, steps: agentSteps(drain) })),
    });
  phases.at(-1)!.items.push({ node: servers[0]!.name, role: "server", steps: ["final-health"] });
  return phases;
}

export interface DueLeaf {
  node: string;
  leaf: LeafFact;
}

export function renewPlanText(
  opId: string,
  inv: Inventory,
  cluster: ClusterSpec,
  due: DueLeaf[],
  drain: boolean,
  now: Date,
): PlanText {
  const servers = cluster.nodes.filter((n) => n.role === "server").map((n) => n.name);
  const agents = cluster.nodes.filter((n) => n.role === "agent").map((n) => n.name);
  const w = inv.report.renewalWindowDays;
  const worst = [...due]
    .sort((a, b) => Date.parse(a.leaf.notAfter) - Date.parse(b.leaf.notAfter))
    .slice(0, 5)
    .map(
      ({ node, leaf }) =>
        `• ${node}: \`${escapeMrkdwn(leaf.path)}\` expires ${leaf.notAfter.slice(0, 10)} (${daysBetween(now, leaf.notAfter)} days)`,
    );
  const agentLine = drain
    ? `*Phase 3 — Agents*, one at a time: ${agents.join(", ")}. Per agent: cordon and drain (\`operations.drainForRestart\`), restart rke2-agent, wait for Ready, verify, uncordon.`
    : `*Phase 3 — Agents*, one at a time: ${agents.join(", ")}. Per agent: restart rke2-agent (not drained: \`operations.drainForRestart\` is off), wait for Ready, verify.`;
  return {
    summary: `Renew ${due.length} certificate(s) of ${cluster.name} inside the ${w}-day window by restarting its services (keys kept, nothing rotated): ${servers.length} server(s), ${agents.length} agent(s).`,
    lines: [
      `*Phase 1 — Snapshot*: etcd snapshot \`${snapshotName(opId)}\` on ${servers[0]}.`,
      `*Phase 2 — Server restarts*, one at a time, each Ready before the next: ${servers.join(" → ")}. Per server: restart rke2-server, wait for Ready and /readyz, verify that every leaf inside the window was renewed with the same key.`,
      agents.length > 0 ? agentLine : "*No agents* in this cluster.",
      "`rke2 certificate rotate` is never run: certificates outside the window stay as they are. Use `/rke2 rotate` for new keys.",
      `*Inside the ${w}-day window now:*`,
      ...worst,
    ],
  };
}
