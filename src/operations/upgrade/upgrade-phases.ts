import type { ClusterSpec, Inventory } from "../../config/inventory.js";
import type { PlanText, PlannedPhase } from "../engine/records.js";
import { snapshotName } from "../rotation/backup-steps.js";
import { installCommand } from "./install-command.js";
import type { UpgradeParams } from "./upgrade-params.js";
import { redactUrls } from "../../shared/redact-url.js";
import { escapeMrkdwn as e } from "../../shared/mrkdwn.js";

export const PHASE = { backup: "backup", servers: "server-roll", agents: "agent-roll" } as const;
export const SERVER_STEPS = ["install", "restart", "wait-ready"];
export const AGENT_STEPS = ["cordon", "drain", "install", "restart", "wait-ready", "uncordon"];
export const VERIFY_STEP = "post-verify";

/** The server the snapshot is taken on and the final checks run from: the first one (all passed preflight). */
export const firstServer = (cluster: ClusterSpec) => cluster.nodes.find((n) => n.role === "server")!;

/**
 * Frozen into the op record: a verified etcd snapshot; then the servers that are not on the
 * target, in inventory order, one at a time; then the agents, at most `agentConcurrency` at once;
 * the post-upgrade verification closes the last phase once every other item is done. Pure.
 */
export function planUpgradePhases(
  cluster: ClusterSpec,
  params: UpgradeParams,
  agentConcurrency: number,
): PlannedPhase[] {
  const todo = (role: "server" | "agent") => params.nodes.filter((n) => n.role === role && !n.skipped);
  const first = firstServer(cluster);
  const phases: PlannedPhase[] = [
    {
      id: PHASE.backup,
      title: "Backup",
      concurrency: 1,
      items: [{ node: first.name, role: "server", steps: ["snapshot"] }],
    },
  ];
  const servers = todo("server");
  if (servers.length > 0)
    phases.push({
      id: PHASE.servers,
      title: "Server roll",
      concurrency: 1,
      items: servers.map((n) => ({ node: n.node, role: n.role, steps: SERVER_STEPS })),
    });
  const agents = todo("agent");
  if (agents.length > 0)
    phases.push({
      id: PHASE.agents,
      title: "Agent roll",
      concurrency: agentConcurrency,
      items: agents.map((n) => ({ node: n.node, role: n.role, steps: AGENT_STEPS })),
    });
  phases.at(-1)!.items.push({ node: first.name, role: "server", steps: [VERIFY_STEP], final: true });
  return phases;
}

export function upgradePlanText(
  opId: string,
  inv: Inventory,
  cluster: ClusterSpec,
  p: UpgradeParams,
  alreadyCordoned: string[],
): PlanText {
  const todo = (role: string) => p.nodes.filter((n) => n.role === role && !n.skipped).map((n) => n.node);
  const servers = todo("server");
  const agents = todo("agent");
  const skipped = p.nodes.filter((n) => n.skipped);
  const o = inv.operations;
  const lines = [
    `*Target:* \`${p.target}\` (you asked for \`${e(p.requested)}\`; ${p.via === "exact version" ? "an exact release" : `resolved through ${e(p.via)}`} at ${e(redactUrls(p.channelUrl))}).`,
    "*Nodes* (current → target):",
    ...p.nodes.map((n) =>
      n.skipped
        ? `• ${n.node} (${n.role}): ${n.kubelet}, already at the target — skipped`
        : `• ${n.node} (${n.role}): ${n.kubelet}${n.installed !== n.kubelet ? ` (installed ${n.installed})` : ""} → ${p.target}${alreadyCordoned.includes(n.node) ? " (cordoned now; uncordoned after its upgrade)" : ""}`,
    ),
    `*Phase 1 — Backup*: \`rke2 etcd-snapshot save --name ${snapshotName(opId)}\` on ${firstServer(cluster).name}, verified (file exists, not empty) before any install.`,
    servers.length > 0
      ? `*Phase 2 — Servers*, one at a time, each Ready on ${p.target} with /readyz ok before the next: ${servers.join(" → ")}. Per server: installer, \`systemctl restart rke2-server\`, wait for Ready, verify \`rke2 --version\`.`
      : "*Servers*: all already at the target.",
    agents.length > 0
      ? `*Phase ${servers.length > 0 ? 3 : 2} — Agents* in order ${agents.join(", ")}, at most ${o.agentConcurrency} at once (agent concurrency ${o.agentConcurrency}). Per agent: \`kubectl cordon\`, \`kubectl drain --ignore-daemonsets --delete-emptydir-data --timeout=${o.drainTimeoutSeconds}s\`, installer, \`systemctl restart rke2-agent\`, wait for Ready on ${p.target}, \`kubectl uncordon\`.`
      : "*Agents*: none to upgrade.",
    `*Installer:* \`${e(redactUrls(installCommand(inv.upgrade.installCommand, "server", p.target).line))}\` (type agent on agents).`,
    "*Then*: every node on the target and Ready, kube-system pods running, /readyz ok and etcd healthy on every server; a before/after table.",
  ];
  if (skipped.length > 0)
    lines.push(`*Skipped* (already at ${p.target}): ${skipped.map((n) => n.node).join(", ")}.`);
  return {
    summary: `Upgrade ${cluster.name} to ${p.target}: ${servers.length} server(s), ${agents.length} agent(s)${skipped.length ? `, ${skipped.length} already at the target` : ""}.`,
    lines,
  };
}
