import { pollForReadiness } from "../common/poll.js";
import type { StepContext, StepDef } from "../engine/definition.js";
import {
  applyManifests,
  deleteManifests,
  deletePlans,
  getItems,
  kubectlChange,
  sucPresence,
  type Ran,
} from "./suc-kubectl.js";
import { sucParams } from "./suc-params.js";
import type { PlanJson } from "./suc-status.js";

const ranFailure = (what: string, run: Ran) =>
  "error" in run
    ? { message: run.error }
    : {
        message: `${what} failed on ${run.server}`,
        command: run.line,
        exitCode: run.res.code,
        stderr: run.res.stderr.slice(-2000),
      };

async function presence(ctx: StepContext): Promise<{ both: boolean; none: boolean; why: string }> {
  const p = await sucPresence(ctx.remote, ctx.cluster);
  if ("error" in p) return { both: false, none: false, why: p.error };
  return {
    both: p.crd && p.controller,
    none: !p.crd && !p.controller,
    why: `CRD ${p.crd ? "present" : "absent"}, controller ${p.controller ? "present" : "absent"}`,
  };
}

/** The controller and its CRD from upgrade.sucManifests (only planned when the preflight found neither). */
export const installSucStep: StepDef = {
  id: "install-suc",
  title: "install the System Upgrade Controller",
  async check(ctx) {
    const p = await presence(ctx);
    return { done: p.both, observed: { suc: p.why } };
  },
  async act(ctx) {
    const m = sucParams(ctx.op).manifests;
    if (!m) return { ok: false, failure: { message: "no upgrade.sucManifests in the operation record" } };
    const run = await kubectlChange(ctx.remote, ctx.cluster, applyManifests(m));
    if ("error" in run || run.res.code !== 0)
      return { ok: false, failure: ranFailure("installing the System Upgrade Controller", run) };
    return { ok: true };
  },
  async verify(ctx) {
    let last = "";
    const r = await pollForReadiness(ctx, async () => {
      const p = await presence(ctx);
      last = p.why;
      return { ok: p.both, why: p.why };
    });
    return r.ok
      ? { ok: true, summary: `installed from ${sucParams(ctx.op).manifests?.controller ?? "?"}` }
      : { ok: false, failure: { message: `the System Upgrade Controller is not ready: ${last}` } };
  },
};

async function leftovers(ctx: StepContext): Promise<string[] | { error: string }> {
  const p = sucParams(ctx.op);
  const plans = await getItems<PlanJson>(ctx.remote, ctx.cluster, "plans");
  if (!Array.isArray(plans)) return plans;
  const left = plans.map((x) => `plan ${x.metadata?.name ?? "?"}`);
  if (p.sucInstall) {
    const s = await presence(ctx);
    if (!s.none) left.push(`controller (${s.why})`);
  }
  return left;
}

/**
 * The guide's clean-up: a leftover controller "may trigger unintended upgrades when a new version
 * appears in the channel". Plans always go; the controller and CRD only when this operation installed them.
 */
export const cleanupSucStep: StepDef = {
  id: "cleanup",
  title: "delete the plans (and the controller this operation installed)",
  async check(ctx) {
    const left = await leftovers(ctx);
    return Array.isArray(left)
      ? { done: left.length === 0, observed: { left } }
      : { done: false, observed: left };
  },
  async act(ctx) {
    const plans = await kubectlChange(ctx.remote, ctx.cluster, deletePlans());
    if ("error" in plans || plans.res.code !== 0)
      return { ok: false, failure: ranFailure("deleting the plans", plans) };
    const p = sucParams(ctx.op);
    if (!p.sucInstall || !p.manifests) return { ok: true };
    const ctl = await kubectlChange(ctx.remote, ctx.cluster, deleteManifests(p.manifests));
    if ("error" in ctl || ctl.res.code !== 0)
      return { ok: false, failure: ranFailure("removing the System Upgrade Controller", ctl) };
    return { ok: true };
  },
  async verify(ctx) {
    const left = await leftovers(ctx);
    if (!Array.isArray(left)) return { ok: false, failure: { message: left.error } };
    if (left.length)
      return { ok: false, failure: { message: `still present after the clean-up: ${left.join(", ")}` } };
    return {
      ok: true,
      summary: sucParams(ctx.op).sucInstall
        ? "plans deleted; controller and CRD removed"
        : "plans deleted; the controller was there before and stays",
    };
  },
};
