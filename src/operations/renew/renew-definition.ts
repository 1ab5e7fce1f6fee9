import { z } from "zod";
import { forNodes } from "../common/for-nodes.js";
import { finalHealthStep } from "../common/final-health-step.js";
import { clusterPreflight } from "../common/preflight-checks.js";
import type { OperationDefinition } from "../engine/definition.js";
import { snapshotStep } from "../rotation/backup-steps.js";
import { recordBeforeStep } from "../rotation/leaf-steps.js";
import { leafFacts } from "../rotation/renewal.js";
import { waitReadyStep } from "../rotation/server-steps.js";
import { cordonStep, drainStep, uncordonStep } from "../upgrade/agent-steps.js";
import { cordonedNodes, leaveServing } from "../upgrade/upgrade-recovery.js";
import { planRenewPhases, RENEW_PHASE, renewPlanText, type DueLeaf } from "./renew-plan.js";
import { agentReport, renewCompletion, serverReport, snapshotReport } from "./renew-reports.js";
import { verifyRenewedStep } from "./renew-verify.js";
import { restartStep } from "./restart-step.js";

const DAY_MS = 86_400_000;
const TITLE = "Renewal by restart";

/**
 * Renewal by rolling restart (the guide's fix for CertificateExpirationWarning): RKE2 renews the
 * leaves inside its 120-day window at start and keeps their keys. Nothing is rotated.
 */
export const renewDefinition: OperationDefinition = {
  kind: "renew",
  idPrefix: "ren",
  title: TITLE,
  command: {
    name: "renew",
    usage: "/rke2 renew <cluster>",
    summary:
      "renew the certificates inside the renewal window by an approved rolling restart (keys kept, nothing rotated)",
    preparing: (cluster) => `Preparing a renewal-by-restart plan for ${cluster} (preflight checks first)…`,
  },
  args: z.tuple([]).transform(() => ({})),
  async preflight(ctx) {
    const problems = await clusterPreflight(ctx.remote, ctx.cluster);
    if (problems.length > 0) return { ok: false, problems };
    const scans = await forNodes(ctx.remote, ctx.cluster.nodes, async (n) => {
      try {
        return { node: n.name, leaves: leafFacts(await ctx.remote.readCerts(n)) };
      } catch (e) {
        return {
          node: n.name,
          leaves: [],
          error: `${n.name}: certificate scan failed: ${(e as Error).message}`,
        };
      }
    });
    const scanProblems = scans.flatMap((s) => (s.error ? [s.error] : []));
    if (scanProblems.length > 0) return { ok: false, problems: scanProblems };
    const now = ctx.clock.now();
    const w = ctx.inventory.report.renewalWindowDays;
    const due: DueLeaf[] = scans.flatMap((s) =>
      s.leaves
        .filter((l) => Date.parse(l.notAfter) <= now.getTime() + w * DAY_MS)
        .map((leaf) => ({ node: s.node, leaf })),
    );
    if (due.length === 0)
      return {
        ok: false,
        problems: [
          `no leaf certificate of ${ctx.cluster.name} expires within the ${w}-day renewal window: a restart would renew nothing (\`/rke2 rotate\` replaces certificates and keys at any time)`,
        ],
      };
    const drain = ctx.inventory.operations.drainForRestart;
    return {
      ok: true,
      params: { drain },
      phases: planRenewPhases(ctx.cluster, drain),
      plan: renewPlanText(ctx.opId, ctx.inventory, ctx.cluster, due, drain, now),
    };
  },
  phases: [
    {
      id: RENEW_PHASE.snapshot,
      title: "Snapshot",
      steps: [snapshotStep],
      report: snapshotReport,
    },
    {
      id: RENEW_PHASE.servers,
      title: "Server restarts",
      steps: [
        recordBeforeStep,
        restartStep("rke2-server"),
        waitReadyStep,
        verifyRenewedStep,
        finalHealthStep,
      ],
      // After a failed step: the node's service started again if the restart left it stopped.
      recover: leaveServing,
      report: serverReport,
    },
    {
      id: RENEW_PHASE.agents,
      title: "Agent restarts",
      steps: [
        cordonStep,
        drainStep,
        restartStep("rke2-agent"),
        waitReadyStep,
        verifyRenewedStep,
        uncordonStep,
        finalHealthStep,
      ],
      recover: leaveServing,
      afterHalt: cordonedNodes(TITLE),
      report: agentReport,
    },
  ],
  completion: renewCompletion,
};
