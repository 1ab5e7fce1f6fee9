import type { FetchLike } from "../../rke2/channel-client.js";
import type { OperationDefinition } from "../engine/definition.js";
import { snapshotStep } from "../rotation/backup-steps.js";
import { cordonStep, drainStep, uncordonStep } from "./agent-steps.js";
import { assessUpgrade } from "./assess-upgrade.js";
import { postVerifyStep } from "./post-verify-step.js";
import { sucUnavailable, upgradeArgs } from "./upgrade-params.js";
import { PHASE, planUpgradePhases, upgradePlanText } from "./upgrade-phases.js";
import { cordonedNodes, leaveServing } from "./upgrade-recovery.js";
import { backupReport, rollReport, upgradeCompletion } from "./upgrade-reports.js";
import { installStep, restartStep, waitReadyStep } from "./version-steps.js";

export interface UpgradeDefinitionDeps {
  /** How this process reaches the channel server (default: global fetch). */
  fetch?: FetchLike;
}

/**
 * RKE2 version upgrade: verified etcd snapshot, servers one at a time, agents with cordon/drain at
 * most `agentConcurrency` at once, then the post-upgrade verification. Nothing changes a node
 * before the first approval: the preflight only reads.
 */
const TITLE = "RKE2 upgrade";

export function createUpgradeDefinition(deps: UpgradeDefinitionDeps = {}): OperationDefinition {
  const fetchFn: FetchLike = deps.fetch ?? ((url, init) => fetch(url, init));
  return {
    kind: "upgrade",
    idPrefix: "upg",
    title: TITLE,
    command: {
      name: "upgrade",
      usage: "/rke2 upgrade <cluster> <version|channel> [ssh|suc]",
      summary: "request an approved, phased RKE2 upgrade to a version (v1.30.4+rke2r1) or channel (stable)",
      preparing: (cluster, args) =>
        `Preparing an upgrade plan for ${cluster} to ${args[0] ?? "?"} (preflight checks first)…`,
    },
    args: upgradeArgs,
    unavailable: sucUnavailable,
    async preflight(ctx) {
      const a = await assessUpgrade(
        { inventory: ctx.inventory, cluster: ctx.cluster, remote: ctx.remote, fetch: fetchFn },
        String(ctx.params.requested),
      );
      if (!a.ok) return { ok: false, problems: a.problems };
      const facts = Object.fromEntries(
        a.params.nodes.map((n) => [n.node, { versionBefore: n.installed, kubeletBefore: n.kubelet }]),
      );
      return {
        ok: true,
        params: { ...a.params },
        phases: planUpgradePhases(ctx.cluster, a.params, ctx.inventory.operations.agentConcurrency),
        plan: upgradePlanText(ctx.opId, ctx.inventory, ctx.cluster, a.params, a.cordoned),
        facts,
      };
    },
    phases: [
      { id: PHASE.backup, title: "Backup", steps: [snapshotStep], report: backupReport },
      {
        id: PHASE.servers,
        title: "Server roll",
        steps: [installStep("server"), restartStep("server"), waitReadyStep("server"), postVerifyStep],
        recover: leaveServing,
        afterHalt: cordonedNodes(TITLE),
        report: rollReport(PHASE.servers),
      },
      {
        id: PHASE.agents,
        title: "Agent roll",
        steps: [
          cordonStep,
          drainStep,
          installStep("agent"),
          restartStep("agent"),
          waitReadyStep("agent"),
          uncordonStep,
          postVerifyStep,
        ],
        recover: leaveServing,
        afterHalt: cordonedNodes(TITLE),
        report: rollReport(PHASE.agents),
      },
    ],
    completion: upgradeCompletion,
  };
}

export const upgradeDefinition = createUpgradeDefinition();
