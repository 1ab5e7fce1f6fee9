import type { NodeSpec } from "../../config/inventory.js";
import { actionRef, cleanupActionsScript, type ActionRef } from "../../rke2/node-action-script.js";
import type { RemoteCommand } from "../../ssh/shell-quote.js";
import type { CommandResult } from "../../ssh/ssh-executor.js";
import type { CheckResult, PhaseContext, StepContext, StepFailure } from "./definition.js";
import { forNodes } from "../common/for-nodes.js";
import { ConnectionLostError } from "./remote-access.js";

/**
 * How dangerous steps run their command: check() asks `priorAct` first, act() goes through
 * `actOnce`. Together they make the command run at most once per attempt (see node-action.ts).
 */

/** This step's action on the node: `<op>/<node>.<phase>.<step>`, attempt = the ledger's count. */
export const stepAction = (ctx: StepContext, stepId: string): ActionRef =>
  actionRef(ctx.op.id, [ctx.node.name, ctx.phase.id, stepId], ctx.record.attempts);

export interface ActOptions {
  /** Where the command runs, when not on the node itself (kubectl on a server). */
  on?: NodeSpec[];
  timeoutMs?: number;
}

/**
 * check() first: what the latest attempt left on the node. Still running → wait (bounded by the
 * act's timeout). Finished, and the ledger says that attempt was in flight → its result is the
 * act's result. Otherwise (none, lost, or an attempt the engine already judged: a Retry) →
 * undefined, and check() reads the node's state.
 */
export async function priorAct(
  ctx: StepContext,
  stepId: string,
  opts: ActOptions = {},
): Promise<CheckResult | undefined> {
  if (ctx.record.attempts === 0) return undefined;
  const ref = stepAction(ctx, stepId);
  let lost: unknown;
  for (const host of opts.on ?? [ctx.node]) {
    try {
      const p = await ctx.remote.probeAction(host, ref, { timeoutMs: opts.timeoutMs });
      if (p.state !== "finished") continue;
      if (!ctx.resumed) return undefined;
      return {
        done: false,
        observed: { recorded: { attempt: ref.attempt, on: host.name, exitCode: p.result.code } },
        recorded: { result: p.result, on: host.name },
      };
    } catch (err) {
      if (!(err instanceof ConnectionLostError)) throw err;
      lost = err;
    }
  }
  // A host that may hold the in-flight attempt did not answer: do not guess.
  if (lost && ctx.resumed) throw lost;
  return undefined;
}

/** act(): the recorded result when check() found one, else run the command once (detached, locked). */
export async function actOnce(
  ctx: StepContext,
  check: CheckResult,
  stepId: string,
  cmd: RemoteCommand,
  opts: { on?: NodeSpec; timeoutMs?: number } = {},
): Promise<{ res: CommandResult; on: string }> {
  if (check.recorded) return { res: check.recorded.result, on: check.recorded.on };
  const host = opts.on ?? ctx.node;
  const res = await ctx.remote.runOnce(host, stepAction(ctx, stepId), cmd, { timeoutMs: opts.timeoutMs });
  return { res, on: host.name };
}

const lastLine = (s: string) => s.trim().split("\n").pop() ?? "";

/** The failure of an act: a timeout says how long and that the command was stopped on the node. */
export function actFailure(what: string, command: string, res: CommandResult): StepFailure {
  const how = res.timedOut
    ? /^timed out after/.test(lastLine(res.stderr))
      ? lastLine(res.stderr)
      : "timed out"
    : `exited ${res.code ?? `by signal ${res.signal ?? "?"}`}`;
  const t = res.stderr.trim() || res.stdout.trim();
  return {
    message: `${what}: \`${command}\` ${how}`,
    command,
    exitCode: res.code,
    stderr: t.length <= 1500 ? t : `…${t.slice(-1500)}`,
  };
}

/** When the operation ends: remove its action records on every node (best effort, never fails). */
export async function cleanupActionRecords(
  ctx: Pick<PhaseContext, "op" | "cluster" | "remote">,
): Promise<void> {
  const cmd = cleanupActionsScript(ctx.op.id);
  await forNodes(ctx.remote, ctx.cluster.nodes, (n) =>
    ctx.remote.run(n, cmd, { timeoutMs: 15_000 }).catch(() => undefined),
  );
}
