import type { ClusterSpec, Inventory } from "../../config/inventory.js";
import { redactUrls } from "../../shared/redact-url.js";
import { escapeMrkdwn as e } from "../../shared/mrkdwn.js";
import type { PlanText, PlannedPhase } from "../engine/records.js";
import { snapshotName } from "../rotation/backup-steps.js";
import { firstServer, VERIFY_STEP } from "../upgrade/upgrade-phases.js";
import type { SucParams } from "./suc-params.js";

export const SUC_PHASE = { backup: "backup", servers: "server-plan", agents: "agent-plan" } as const;
export const CLEANUP_STEP = "cleanup";

/**
 * Frozen into the op record. Phase 1: snapshot (and the controller when missing) on the first server.
 * Phase 2: the server plan, applied once, then one wait per server (SUC upgrades them one at a time;
 * the bot only watches, so each wait is its own progress line). Phase 3: the same for the agent plan.
 * The last phase closes with the final verification and the clean-up. Pure.
 */
export function planSucPhases(cluster: ClusterSpec, p: SucParams): PlannedPhase[] {
  const first = firstServer(cluster);
  const phases: PlannedPhase[] = [
    {
      id: SUC_PHASE.backup,
      title: "Backup",
      concurrency: 1,
      items: [
        {
          node: first.name,
          role: "server",
          steps: p.sucInstall ? ["snapshot", "install-suc"] : ["snapshot"],
        },
      ],
    },
  ];
  const roll = (id: string, title: string, role: "server" | "agent") => {
    const todo = p.nodes.filter((n) => n.role === role && !n.skipped);
    // The plan is applied even when no node of the role needs it: the agent plan's prepare waits on the server plan.
    const items = todo.length
      ? todo.map((n, i) => ({
          node: n.node,
          role,
          steps: i === 0 ? ["apply-plan", "wait-node"] : ["wait-node"],
        }))
      : [{ node: first.name, role: "server" as const, steps: ["apply-plan"] }];
    phases.push({ id, title, concurrency: 1, items });
  };
  roll(SUC_PHASE.servers, "Server plan", "server");
  if (cluster.nodes.some((n) => n.role === "agent")) roll(SUC_PHASE.agents, "Agent plan", "agent");
  phases
    .at(-1)!
    .items.push({ node: first.name, role: "server", steps: [VERIFY_STEP, CLEANUP_STEP], final: true });
  return phases;
}

export function sucPlanText(opId: string, inv: Inventory, cluster: ClusterSpec, p: SucParams): PlanText {
  const todo = (role: string) => p.nodes.filter((n) => n.role === role && !n.skipped).map((n) => n.node);
  const o = inv.operations;
  const first = firstServer(cluster).name;
  const install = p.sucInstall
    ? `then install the System Upgrade Controller from \`${e(redactUrls(p.manifests?.crd ?? "?"))}\` and \`${e(redactUrls(p.manifests?.controller ?? "?"))}\` (not installed now; removed again at the end).`
    : "the System Upgrade Controller is already installed (it stays after the upgrade).";
  const lines = [
    `*Method:* System Upgrade Controller plans pinned with \`version: ${p.target}\` (never a channel, so a new release cannot start an unplanned upgrade).`,
    `*Target:* \`${p.target}\` (you asked for \`${e(p.requested)}\`; ${e(p.via)} at ${e(redactUrls(p.channelUrl))}).`,
    "*Nodes* (current → target):",
    ...p.nodes.map((n) =>
      n.skipped
        ? `• ${n.node} (${n.role}): ${n.kubelet}, already at the target — skipped`
        : `• ${n.node} (${n.role}): ${n.kubelet} → ${p.target}${p.cordonedBefore.includes(n.node) ? " (cordoned now; left cordoned)" : ""}`,
    ),
    `*Phase 1 — Backup*: \`rke2 etcd-snapshot save --name ${snapshotName(opId)}\` on ${first}, verified; ${install}`,
    `*Phase 2 — Server plan* \`server-plan\`: concurrency 1, cordon, control-plane tolerations; watched node by node (job, version, Ready): ${todo("server").join(", ") || "none to upgrade"}.`,
    cluster.nodes.some((n) => n.role === "agent")
      ? `*Phase 3 — Agent plan* \`agent-plan\`: waits for server-plan (prepare), concurrency ${o.agentConcurrency}, drain (ignore DaemonSets, delete emptyDir data, timeout ${o.drainTimeoutSeconds}s): ${todo("agent").join(", ") || "none to upgrade"}.`
      : "*Agents*: none.",
    "*Then*: every node on the target and Ready, kube-system pods running, /readyz ok and etcd healthy; delete both plans" +
      (p.sucInstall ? " and the controller and CRD this operation installed." : "."),
    "*On a failed job* (backoff limit, deadline, drain blocked by a PodDisruptionBudget): halt with the job's pod log; Retry re-creates the job; Abort deletes the plans and uncordons what they cordoned.",
  ];
  return {
    summary: `Upgrade ${cluster.name} to ${p.target} through the System Upgrade Controller: ${todo("server").length} server(s), ${todo("agent").length} agent(s).`,
    lines,
  };
}
