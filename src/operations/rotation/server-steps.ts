import { parseCheckTable } from "../../rke2/parse-check-table.js";
import { certificateCheckTable, certificateRotate, systemctl, type Service } from "../../rke2/commands.js";
import { DATA_DIR } from "../../rke2/paths.js";
import { sh } from "../../ssh/shell-quote.js";
import { isCredentialError } from "../../certs/dark-api.js";
import { probeNode } from "../common/cluster-health.js";
import { isEmergency } from "../common/emergency.js";
import { pollForReadiness } from "../common/poll.js";
import { readOnlyStep, type StepContext, type StepDef } from "../engine/definition.js";
import { actFailure, actOnce, priorAct } from "../engine/step-act.js";
import { compareNow, F, judgeRenewal } from "./leaf-steps.js";
import { commandFailure, parseRotateBackupDir, parseTlsBackupDirs } from "./remote-output.js";
import { rotationState } from "./renewal.js";

const IN_PROGRESS = new Set(["activating", "deactivating", "reloading", "refreshing"]);

/**
 * The unit's settled state. activating/deactivating mean "in progress": neither done nor not
 * done, so wait (engine clock, readiness timeout) until it settles; a unit that never settles
 * fails the step instead of being judged.
 */
export async function serviceState(ctx: StepContext, svc: Service): Promise<string> {
  let state = "";
  const r = await pollForReadiness(ctx, async () => {
    const res = await ctx.remote.run(ctx.node, systemctl("is-active", svc));
    state = res.stdout.trim() || `unknown (exit ${res.code})`;
    return { ok: !IN_PROGRESS.has(state), why: state };
  });
  if (!r.ok)
    throw new Error(
      `${svc} on ${ctx.node.name} still ${state} after ${Math.round(r.waitedMs / 1000)} s (waited for it to settle)`,
    );
  return state;
}

const STOPPED = new Set(["inactive", "failed"]);

/** After a crash the rotate log is lost: the newest tls-<unix> dir is this rotation's backup. */
async function findBackupDir(ctx: StepContext): Promise<string | undefined> {
  const res = await ctx.remote.run(ctx.node, sh`ls -1d ${`${DATA_DIR}/server/tls-`}[0-9]*`);
  return parseTlsBackupDirs(res.stdout)[0];
}

export const stopStep: StepDef = {
  id: "stop",
  title: "stop rke2-server",
  disruptive: true,
  retryFrom: "stop",
  async check(ctx) {
    const prior = await priorAct(ctx, "stop");
    if (prior) return prior;
    // `systemctl stop` is idempotent; the read only matters after a crash or a dropped connection.
    if (!ctx.resumed) return { done: false };
    const state = await serviceState(ctx, "rke2-server");
    return { done: STOPPED.has(state), observed: { service: state } };
  },
  async act(ctx, check) {
    const cmd = systemctl("stop", "rke2-server");
    const { res } = await actOnce(ctx, check, "stop", cmd);
    return res.code === 0 ? { ok: true } : { ok: false, failure: actFailure("stop failed", cmd.line, res) };
  },
  async verify(ctx) {
    const state = await serviceState(ctx, "rke2-server");
    return STOPPED.has(state)
      ? { ok: true, summary: state }
      : { ok: false, failure: { message: `rke2-server is ${state} after stop` } };
  },
};

/**
 * `rke2 certificate rotate` backs up server/tls to tls-<unix> and deletes the leaves; new ones
 * appear at the next start. Whether it already ran is read from the files, never assumed:
 * running it twice would back up an already-emptied directory.
 */
export const rotateStep: StepDef = {
  id: "rotate",
  title: "rke2 certificate rotate",
  retryFrom: "stop",
  async check(ctx) {
    // Repeating it is harmful: the action record first, then always the files (never assumed).
    const prior = await priorAct(ctx, "rotate");
    if (prior) return prior;
    const state = rotationState(await compareNow(ctx));
    const done = state === "deleted" || state === "renewed";
    const facts =
      done && !ctx.facts[F.backupDir] ? { [F.backupDir]: (await findBackupDir(ctx)) ?? null } : undefined;
    return { done, observed: { files: state }, facts };
  },
  async act(ctx, check) {
    const cmd = certificateRotate();
    const { res } = await actOnce(ctx, check, "rotate", cmd);
    const dir = parseRotateBackupDir(`${res.stderr}\n${res.stdout}`);
    if (res.code !== 0)
      return {
        ok: false,
        failure: actFailure("certificate rotate failed", cmd.line, res),
        facts: dir ? { [F.backupDir]: dir } : undefined,
      };
    return { ok: true, facts: { [F.backupDir]: dir ?? (await findBackupDir(ctx)) ?? null } };
  },
  async verify(ctx) {
    const dir = ctx.facts[F.backupDir];
    if (typeof dir !== "string")
      return {
        ok: false,
        failure: { message: `rotate left no tls-<unix> backup directory under ${DATA_DIR}/server` },
      };
    const res = await ctx.remote.run(ctx.node, sh`test -d ${dir}`);
    return res.code === 0
      ? { ok: true, summary: `backup ${dir}` }
      : { ok: false, failure: { message: `backup directory ${dir} not found` } };
  },
};

export const startStep: StepDef = {
  id: "start",
  title: "start rke2-server",
  retryFrom: "stop",
  async check(ctx) {
    const prior = await priorAct(ctx, "start");
    if (prior) return prior;
    // Starting an active unit is a no-op; after a crash the read tells "already started" apart.
    if (!ctx.resumed) return { done: false };
    const state = await serviceState(ctx, "rke2-server");
    return { done: state === "active", observed: { service: state } };
  },
  async act(ctx, check) {
    const cmd = systemctl("start", "rke2-server");
    const { res } = await actOnce(ctx, check, "start", cmd);
    return res.code === 0 ? { ok: true } : { ok: false, failure: actFailure("start failed", cmd.line, res) };
  },
  async verify() {
    // rke2-server is Type=notify: start returns 0 only once the unit is up. Readiness (Ready,
    // /readyz incl. etcd) and the new certificates are verified by the next two steps.
    return { ok: true, summary: "started" };
  },
};

/** Ready in the API and /readyz (incl. etcd) on the node itself, polled on the injected clock. */
export const waitReadyStep = readOnlyStep({
  id: "wait-ready",
  title: "wait for Ready and /readyz",
  async verify(ctx) {
    const o = ctx.inventory.operations;
    const r = await pollForReadiness(ctx, () => probeNode(ctx.remote, ctx.node));
    // Break-glass: the restarted server's own rke2.yaml must work now; if not, the rotation did not bring the API back.
    if (!r.ok && isEmergency(ctx.op.params) && isCredentialError(r.why))
      return {
        ok: false,
        failure: {
          message: `the Kubernetes API is still unusable after ${ctx.node.name} restarted with fresh certificates (${r.why}); halting before any other server is touched`,
        },
      };
    if (!r.ok)
      return {
        ok: false,
        failure: { message: `${ctx.node.name} not ready within ${o.nodeReadyTimeoutSeconds} s: ${r.why}` },
      };
    return { ok: true, summary: `${r.why} after ${(r.waitedMs / 1000).toFixed(1)} s` };
  },
});

/** Every leaf renewed (read from the files), cross-checked with `rke2 certificate check --output table`. */
export const verifyCertsStep = readOnlyStep({
  id: "verify-certs",
  title: "verify renewed certificates",
  retryFrom: "stop",
  async verify(ctx) {
    const judged = judgeRenewal(ctx, await compareNow(ctx));
    if (!judged.ok) return judged;
    const cmd = certificateCheckTable();
    const res = await ctx.remote.run(ctx.node, cmd);
    if (res.code !== 0)
      return { ok: false, failure: commandFailure("certificate check failed", cmd.line, res) };
    const rows = parseCheckTable(res.stdout);
    const bad = rows.filter((r) => r.status === "EXPIRED" || r.status === "NOT YET VALID");
    if (bad.length > 0)
      return {
        ok: false,
        failure: {
          message: `certificate check reports ${bad.map((r) => `${r.filename} ${r.status}`).join(", ")}`,
        },
      };
    const warn = rows
      .filter((r) => r.status === "WARNING" && !r.usages.includes("CertSign"))
      .map((r) => `certificate check: ${r.filename} WARNING (${r.residual.trim()} left)`);
    return {
      ...judged,
      warnings: [...(judged.warnings ?? []), ...warn],
      summary: `${judged.summary}; certificate check: ${rows.length} rows, none expired`,
    };
  },
});
