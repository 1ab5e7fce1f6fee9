import { mentionOf } from "../../access/cluster-policy.js";
import { findCluster } from "../../config/inventory.js";
import type { Outcome, OperationKind } from "../operations-api.js";
import type { CommandRequester } from "../requester.js";
import type { OperationDefinition, PreflightResult } from "../engine/definition.js";
import { parseArgs } from "../engine/parse-args.js";
import { planProblems } from "../engine/plan-check.js";
import type { ClusterSpec } from "../../config/inventory.js";
import { stepKey, type NodeLedger, type OpRecord, type PlannedPhase } from "../engine/records.js";
import { ClusterLockLostError } from "../engine/ports.js";
import { createRemoteAccess } from "../engine/remote-access.js";
import { sshPoolSettings } from "../../config/ssh-pool-settings.js";
import { openGate } from "../engine/state-machine.js";
import { keepLockAlive } from "./lock-keepalive.js";
import { auditOf, patchOp, type ServiceDeps } from "./service-deps.js";

/** Planned step states for every node, written with the plan so the ledger shows the whole road ahead. */
function plannedNodes(phases: PlannedPhase[], at: string): NodeLedger[] {
  const byNode = new Map<string, NodeLedger>();
  for (const p of phases)
    for (const item of p.items) {
      const led = byNode.get(item.node) ?? { node: item.node, steps: {}, facts: {} };
      for (const s of item.steps) led.steps[stepKey(p.id, s)] = { state: "planned", at, attempts: 0 };
      byNode.set(item.node, led);
    }
  return [...byNode.values()];
}

/**
 * `/rke2 <kind> <cluster>`: take the cluster lock (TTL while the preflight runs), run the
 * read-only preflight, then post one operation message with the plan and Approve/Reject.
 */
export async function requestOperation(
  d: ServiceDeps,
  requested: OperationKind,
  clusterName: string,
  args: string[],
  by: CommandRequester,
): Promise<Outcome> {
  const cluster = findCluster(d.inventory, clusterName);
  if (!cluster)
    return {
      ok: false,
      message: `Unknown cluster \`${clusterName}\`. Known: ${d.inventory.clusters.map((c) => c.name).join(", ")}.`,
    };
  const def = pickDefinition(d.definitions, requested, cluster, args);
  if (!def) return { ok: false, message: `\`${requested}\` is not available yet.` };
  if (cluster.nodes.length === 0 && !def.withoutNodes)
    return {
      ok: false,
      message: `${cluster.name} lists no nodes in the inventory, and \`/rke2 ${requested}\` works on them over SSH. List its nodes to run it here; \`/rke2 rotate\` goes through Rancher.`,
    };
  const kind = def.kind;
  const parsed = parseArgs(def, args);
  if (!parsed.ok) return { ok: false, message: parsed.message };
  // Who may ask, and where: refused before anything is locked, connected to or run.
  const allowed = await d.access.mayRequest(cluster.name, by);
  if (!allowed.ok) {
    await d.ledger.appendAudit(
      cluster.name,
      undefined,
      auditOf(d.clock.now(), "request", `${def.title} of ${cluster.name} refused`, by.userId, {
        action: `request-${kind}`,
        outcome: `refused: ${allowed.reason}`,
        ...(by.userName ? { byName: by.userName } : {}),
      }),
    );
    return { ok: false, message: allowed.reason };
  }
  const policy = d.access.policy(cluster.name);

  const id = d.newOpId(kind);
  const lock = await d.ledger.acquireClusterLock(cluster.name, id, d.preflightLockTtlMs);
  if (!lock.ok)
    return {
      ok: false,
      message: `Operation ${lock.holder} is in progress on ${cluster.name}; see \`/rke2 status ${cluster.name}\`.`,
    };
  const now = d.clock.now();
  const created: OpRecord = {
    id,
    kind,
    cluster: cluster.name,
    channel: cluster.channel,
    requestedBy: by,
    requestedAt: now.toISOString(),
    params: parsed.params,
    plan: { summary: "preflight running", lines: [] },
    phases: [],
    status: "preflight",
    phase: 0,
    runSeq: 0,
    version: 0,
    lock: lock.lock,
    phaseTimes: [],
    decisions: [],
  };
  await d.ledger.create(
    created,
    [],
    auditOf(now, "request", `${def.title} of ${cluster.name} requested`, by.userId, {
      action: `request-${kind}`,
      outcome: "accepted",
      ...(by.userName ? { byName: by.userName } : {}),
    }),
  );
  let op = (await d.ledger.get(id))!;
  const log = d.logger.child({ op: id, cluster: cluster.name });

  const keeper = keepLockAlive({
    ledger: d.ledger,
    cluster: cluster.name,
    lock: lock.lock,
    ttlMs: d.preflightLockTtlMs,
    clock: d.clock,
    log,
  });
  const remote = createRemoteAccess({
    executor: d.executor,
    cluster,
    clock: d.clock,
    log,
    signal: keeper.signal,
    commandTimeoutMs: d.commandTimeoutMs,
    concurrency: sshPoolSettings(d.inventory).maxConcurrency,
    policy: {
      renewalWindowDays: d.inventory.report.renewalWindowDays,
      alertDays: d.inventory.report.alertDays,
    },
  });
  let pre: PreflightResult;
  try {
    pre = await def.preflight({
      opId: id,
      inventory: d.inventory,
      cluster,
      params: parsed.params,
      remote,
      clock: d.clock,
      log,
    });
    // A plan naming a step the definition lacks would fail midway: refuse it before approval.
    const unknownSteps = pre.ok ? planProblems(def, pre.phases) : [];
    if (unknownSteps.length > 0) pre = { ok: false, problems: unknownSteps };
  } catch (e) {
    pre = { ok: false, problems: [`preflight error: ${(e as Error).message}`] };
  } finally {
    // The persisting commit below re-checks the lock atomically, so renewal can stop here.
    keeper.stop();
    await remote.close();
  }
  if (keeper.signal.aborted)
    pre = { ok: false, problems: [lockLostProblem(cluster.name, await d.ledger.lockHolder(cluster.name))] };

  const at = d.clock.now();
  if (!pre.ok) {
    const failed: OpRecord = {
      ...op,
      status: "preflight-failed",
      preflightProblems: pre.problems,
      finishedAt: at.toISOString(),
    };
    await d.ledger.casOp(
      op,
      failed,
      auditOf(at, "status", `preflight failed: ${pre.problems.join("; ")}`),
      "release",
    );
    try {
      const posted = await d.notifier.postMain(failed, new Map());
      await patchOp(d.ledger, id, (o) => ({ ...o, message: posted }));
    } catch (e) {
      log.warn({ err: e }, "could not post the preflight failure");
    }
    return {
      ok: false,
      operationId: id,
      message: `Preflight of ${id} failed, nothing was changed:\n${pre.problems.map((p) => `• ${p}`).join("\n")}`,
    };
  }

  const token = d.newToken();
  const ready: OpRecord = {
    ...op,
    status: "awaiting-approval",
    plan: pre.plan,
    phases: pre.phases,
    params: { ...parsed.params, ...pre.params },
    phaseTimes: pre.phases.map(() => ({})),
    gate: openGate("approval", 0, token, at, policy, pre.phases[0]?.id),
  };
  const nodes = plannedNodes(pre.phases, at.toISOString()).map((n) => ({
    ...n,
    facts: { ...n.facts, ...(pre.facts?.[n.node] ?? {}) },
  }));
  let persisted: boolean;
  try {
    persisted = await d.ledger.casOp(
      op,
      ready,
      auditOf(at, "status", "preflight passed; waiting for approval"),
      "persist",
      nodes,
    );
  } catch (e) {
    if (!(e instanceof ClusterLockLostError)) throw e;
    const problem = lockLostProblem(cluster.name, await d.ledger.lockHolder(cluster.name));
    const lostOp: OpRecord = {
      ...op,
      status: "preflight-failed",
      preflightProblems: [problem],
      finishedAt: at.toISOString(),
    };
    await d.ledger.casOp(op, lostOp, auditOf(at, "status", problem), "release");
    return { ok: false, operationId: id, message: `${id} stopped before asking for approval: ${problem}` };
  }
  if (!persisted) return { ok: false, operationId: id, message: `${id} was cancelled during its preflight.` };
  op = { ...ready, version: op.version + 1 };

  let posted: { channel: string; ts: string };
  try {
    posted = await d.notifier.postMain(op, new Map(nodes.map((n) => [n.node, n])));
  } catch (e) {
    const cancelled: OpRecord = { ...op, status: "cancelled", finishedAt: d.clock.now().toISOString() };
    await d.ledger.casOp(
      op,
      cancelled,
      auditOf(d.clock.now(), "status", `could not post the plan: ${(e as Error).message}`),
      "release",
    );
    return {
      ok: false,
      operationId: id,
      message: `Could not post the plan of ${id} in <#${cluster.channel}>: ${(e as Error).message}`,
    };
  }
  await patchOp(d.ledger, id, (o) => ({ ...o, message: posted }));
  await d.scheduler.scheduleExpiry(id, token, new Date(Date.parse(op.gate!.expiresAt)));
  return {
    ok: true,
    operationId: id,
    message: `Plan for ${id} posted in <#${cluster.channel}>; it needs ${approvalsText(op.gate!.required ?? 1)} from ${policy.approvers.map(mentionOf).join(", ") || "an approver"}.`,
  };
}

function lockLostProblem(cluster: string, holder: string | undefined): string {
  return holder
    ? `the cluster lock of ${cluster} expired during the preflight and ${holder} holds it now; nothing was changed (see \`/rke2 status ${cluster}\`)`
    : `the cluster lock of ${cluster} expired during the preflight; nothing was changed, ask again`;
}

const approvalsText = (n: number) => (n === 1 ? "an approval" : `${n} approvals`);

/** The definition a request for `kind` runs on this cluster: a variant that applies, else `kind` itself. */
export function pickDefinition(
  definitions: ReadonlyMap<OperationKind, OperationDefinition>,
  kind: OperationKind,
  cluster: ClusterSpec,
  args: readonly string[],
): OperationDefinition | undefined {
  for (const def of definitions.values())
    if (def.variantOf?.kind === kind && def.variantOf.applies(cluster, args)) return def;
  return definitions.get(kind);
}
