import type { FetchLike } from "../../rke2/channel-client.js";
import type { CompletionText, OperationDefinition } from "../engine/definition.js";
import { stepKey, type NodeLedger, type OpRecord } from "../engine/records.js";
import { snapshotStep } from "../rotation/backup-steps.js";
import { assessUpgrade } from "../upgrade/assess-upgrade.js";
import { postVerifyStep } from "../upgrade/post-verify-step.js";
import { cordonedNodes } from "../upgrade/upgrade-recovery.js";
import { backupReport, upgradeCompletion } from "../upgrade/upgrade-reports.js";
import { escapeMrkdwn as e } from "../../shared/mrkdwn.js";
import { sucAbort } from "./suc-abort.js";
import { cleanupSucStep, installSucStep } from "./suc-install-steps.js";
import { sucPresence } from "./suc-kubectl.js";
import { sucArgs, sucParams, type SucParams } from "./suc-params.js";
import { CLEANUP_STEP, planSucPhases, SUC_PHASE, sucPlanText } from "./suc-phases.js";
import { applyPlanStep, waitNodeStep } from "./suc-plan-steps.js";

const TITLE = "RKE2 upgrade (System Upgrade Controller)";

export interface SucDefinitionDeps {
  fetch?: FetchLike;
}

/** One line per watched node: before → after, and what the last probe saw. */
const planReport = (phaseId: string) => (op: OpRecord, nodes: ReadonlyMap<string, NodeLedger>) => {
  const p = sucParams(op);
  const items = op.phases.find((x) => x.id === phaseId)?.items.filter((i) => !i.final) ?? [];
  return items
    .filter((i) => i.steps.includes("wait-node"))
    .map((i) => {
      const led = nodes.get(i.node);
      const before = p.nodes.find((n) => n.node === i.node)?.kubelet ?? "?";
      const seen = led?.steps[stepKey(phaseId, "wait-node")]?.summary ?? "";
      return `• *${i.node}*: ${e(before)} → ${e(String(led?.facts.versionAfter ?? "?"))}${seen ? ` (${e(seen)})` : ""}`;
    });
};

function sucCompletion(op: OpRecord, nodes: ReadonlyMap<string, NodeLedger>): CompletionText {
  const base = upgradeCompletion(op, nodes);
  const last = op.phases.at(-1)!;
  const fin = last.items.find((i) => i.final);
  const cleanup = fin && nodes.get(fin.node)?.steps[stepKey(last.id, CLEANUP_STEP)]?.summary;
  return {
    ...base,
    notes: [...base.notes, `System Upgrade Controller: ${cleanup ?? "clean-up not recorded"}.`],
  };
}

/**
 * RKE2 upgrade through the System Upgrade Controller: the SSH upgrade's assessment, then Plans pinned
 * to the resolved version, applied and watched one phase (and approval) at a time, then verification
 * and the guide's clean-up. The bot never runs an installer itself here; SUC's jobs do.
 */
export function createSucUpgradeDefinition(deps: SucDefinitionDeps = {}): OperationDefinition {
  const fetchFn: FetchLike = deps.fetch ?? ((url, init) => fetch(url, init));
  return {
    kind: "suc-upgrade",
    idPrefix: "suc",
    title: TITLE,
    variantOf: {
      kind: "upgrade",
      applies: (cluster, args) =>
        args[1] === "suc" || (args[1] !== "ssh" && cluster.upgrade?.method === "suc"),
    },
    args: sucArgs,
    async preflight(ctx) {
      const a = await assessUpgrade(
        { inventory: ctx.inventory, cluster: ctx.cluster, remote: ctx.remote, fetch: fetchFn },
        String(ctx.params.requested),
      );
      if (!a.ok) return { ok: false, problems: a.problems };
      const suc = await sucPresence(ctx.remote, ctx.cluster);
      if ("error" in suc)
        return { ok: false, problems: [`cannot tell whether SUC is installed: ${suc.error}`] };
      if (suc.crd !== suc.controller)
        return {
          ok: false,
          problems: [
            `Refused: the System Upgrade Controller is half installed on ${ctx.cluster.name} (CRD ${suc.crd ? "present" : "absent"}, controller ${suc.controller ? "present" : "absent"}); finish or remove it first.`,
          ],
        };
      const manifests = ctx.cluster.upgrade?.sucManifests;
      const sucInstall = !suc.controller;
      if (sucInstall && !manifests)
        return {
          ok: false,
          problems: [
            `Refused: the System Upgrade Controller is not installed on ${ctx.cluster.name} and no \`upgrade.sucManifests\` (crd, controller) are configured to install it from.`,
          ],
        };
      const params: SucParams = {
        ...a.params,
        method: "suc",
        sucInstall,
        ...(sucInstall && manifests ? { manifests } : {}),
        cordonedBefore: a.cordoned,
      };
      const facts = Object.fromEntries(
        a.params.nodes.map((n) => [n.node, { versionBefore: n.installed, kubeletBefore: n.kubelet }]),
      );
      return {
        ok: true,
        params: { ...params },
        phases: planSucPhases(ctx.cluster, params),
        plan: sucPlanText(ctx.opId, ctx.inventory, ctx.cluster, params),
        facts,
      };
    },
    phases: [
      {
        id: SUC_PHASE.backup,
        title: "Backup",
        steps: [snapshotStep, installSucStep],
        report: backupReport,
      },
      {
        id: SUC_PHASE.servers,
        title: "Server plan",
        steps: [applyPlanStep("server"), waitNodeStep("server"), postVerifyStep, cleanupSucStep],
        afterHalt: cordonedNodes(TITLE),
        report: planReport(SUC_PHASE.servers),
      },
      {
        id: SUC_PHASE.agents,
        title: "Agent plan",
        steps: [applyPlanStep("agent"), waitNodeStep("agent"), postVerifyStep, cleanupSucStep],
        afterHalt: cordonedNodes(TITLE),
        report: planReport(SUC_PHASE.agents),
      },
    ],
    onAbort: sucAbort,
    completion: sucCompletion,
  };
}

export const sucUpgradeDefinition = createSucUpgradeDefinition();
