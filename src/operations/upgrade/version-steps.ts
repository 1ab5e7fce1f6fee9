import { serviceName } from "../../rke2/paths.js";
import { systemctl } from "../../rke2/commands.js";
import { readyzOn } from "../common/cluster-health.js";
import { pollForReadiness } from "../common/poll.js";
import { readOnlyStep, type StepContext, type StepDef } from "../engine/definition.js";
import { actFailure, actOnce, priorAct } from "../engine/step-act.js";
import { serviceState } from "../rotation/server-steps.js";
import { installCommand } from "./install-command.js";
import { apiStatus, installedVersion, isError } from "./node-versions.js";
import { targetOf } from "./upgrade-params.js";

type Role = "server" | "agent";

/** Agents start a Retry from the cordon (check() of each step skips what is already done). */
const retryFrom = (role: Role) => (role === "agent" ? "cordon" : "install");

async function installedNow(ctx: StepContext): Promise<string> {
  const r = await installedVersion(ctx.remote, ctx.node);
  return "error" in r ? r.error : r.version;
}

/**
 * The installer never restarts the service. check() reads `rke2 --version`: a node already on the
 * target (resume after a crash, Retry) is not installed again. A failed install is never re-run
 * by the bot: the step fails and waits for a human Retry.
 */
export function installStep(role: Role): StepDef {
  return {
    id: "install",
    title: "run the installer",
    retryFrom: retryFrom(role),
    async check(ctx) {
      // An installer still running on the node (dropped session, other worker) is waited for, never doubled.
      const prior = await priorAct(ctx, "install");
      if (prior) return prior;
      const installed = await installedNow(ctx);
      return { done: installed === targetOf(ctx.op), observed: { installed } };
    },
    async act(ctx, check) {
      const cmd = installCommand(ctx.inventory.upgrade.installCommand, role, targetOf(ctx.op));
      const { res } = await actOnce(ctx, check, "install", cmd);
      return res.code === 0
        ? { ok: true }
        : { ok: false, failure: actFailure(`installer failed on ${ctx.node.name}`, cmd.line, res) };
    },
    async verify(ctx) {
      const installed = await installedNow(ctx);
      return installed === targetOf(ctx.op)
        ? { ok: true, summary: `rke2 --version: ${installed}` }
        : {
            ok: false,
            failure: {
              message: `after the installer, \`rke2 --version\` on ${ctx.node.name} reports ${installed}, not ${targetOf(ctx.op)}`,
            },
          };
    },
  };
}

/** Restart unless the node already runs the target (kubelet version in the API) with its service active. */
export function restartStep(role: Role): StepDef {
  const svc = serviceName(role);
  return {
    id: "restart",
    disruptive: true,
    title: `restart ${svc}`,
    retryFrom: retryFrom(role),
    async check(ctx) {
      const prior = await priorAct(ctx, "restart");
      if (prior) return prior;
      const state = await serviceState(ctx, svc);
      const api = await apiStatus(ctx.remote, ctx.node);
      const kubelet = isError(api) ? api.error : api.kubeletVersion;
      return {
        done: state === "active" && kubelet === targetOf(ctx.op),
        observed: { service: state, kubelet },
      };
    },
    async act(ctx, check) {
      const cmd = systemctl("restart", svc);
      const { res } = await actOnce(ctx, check, "restart", cmd);
      return res.code === 0
        ? { ok: true }
        : { ok: false, failure: actFailure(`restart failed on ${ctx.node.name}`, cmd.line, res) };
    },
    async verify(ctx) {
      const state = await serviceState(ctx, svc);
      return state === "active"
        ? { ok: true, summary: "active" }
        : { ok: false, failure: { message: `${svc} on ${ctx.node.name} is ${state} after the restart` } };
    },
  };
}

/** One probe: Ready with the target kubelet version; a server also needs its own /readyz (incl. etcd). */
async function readyOnTarget(ctx: StepContext): Promise<{ ok: boolean; why: string }> {
  const target = targetOf(ctx.op);
  const api = await apiStatus(ctx.remote, ctx.node, ctx.node.role === "server" ? ctx.node : undefined);
  if (isError(api)) return { ok: false, why: api.error };
  if (!api.ready) return { ok: false, why: `${ctx.node.name} not Ready (${api.reason})` };
  if (api.kubeletVersion !== target)
    return { ok: false, why: `${ctx.node.name} Ready but its kubelet reports ${api.kubeletVersion}` };
  if (ctx.node.role !== "server") return { ok: true, why: `Ready on ${target}` };
  const rz = await readyzOn(ctx.remote, ctx.node);
  return rz.ok
    ? { ok: true, why: `Ready on ${target}, /readyz ok` }
    : { ok: false, why: `/readyz failing: ${rz.failed.join(", ")}` };
}

/** Wait (engine clock) for Ready on the new version, then confirm `rke2 --version` on the node. */
export function waitReadyStep(role: Role): StepDef {
  return readOnlyStep({
    id: "wait-ready",
    title: "wait for Ready on the new version",
    retryFrom: retryFrom(role),
    async verify(ctx) {
      const o = ctx.inventory.operations;
      const r = await pollForReadiness(ctx, () => readyOnTarget(ctx));
      if (!r.ok)
        return {
          ok: false,
          failure: {
            message: `${ctx.node.name} not Ready on ${targetOf(ctx.op)} within ${o.nodeReadyTimeoutSeconds} s: ${r.why}`,
          },
        };
      const installed = await installedNow(ctx);
      if (installed !== targetOf(ctx.op))
        return {
          ok: false,
          failure: { message: `${ctx.node.name} is Ready but \`rke2 --version\` reports ${installed}` },
        };
      return {
        ok: true,
        facts: { versionAfter: installed },
        summary: `${r.why} after ${(r.waitedMs / 1000).toFixed(1)} s`,
      };
    },
  });
}
