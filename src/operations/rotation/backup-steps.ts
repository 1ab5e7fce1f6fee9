import { etcdSnapshotSave } from "../../rke2/commands.js";
import { DATA_DIR } from "../../rke2/paths.js";
import { sh } from "../../ssh/shell-quote.js";
import { isEmergency } from "../common/emergency.js";
import { findSnapshot, type SizedFile } from "../common/snapshot-file.js";
import type { StepContext, StepDef } from "../engine/definition.js";
import { actFailure, actOnce, priorAct } from "../engine/step-act.js";
import { humanSize, parseSnapshotName } from "./remote-output.js";

export type { SizedFile };

/** Names derived from the operation id, so a resumed worker finds what an earlier attempt made. */
export const snapshotName = (opId: string) => `rke2-chatops-${opId}`;
export const tlsTarball = (opId: string) => `${DATA_DIR}/server/tls-backup-${opId}.tar.gz`;

/** The snapshot `save` reported (recorded by act), else (after a crash) the one `ls` lists; never a `.part`. */
async function thisSnapshot(ctx: StepContext) {
  const reported = ctx.facts.snapshotReported;
  return findSnapshot(ctx, snapshotName(ctx.op.id), typeof reported === "string" ? reported : undefined);
}

async function statSize(ctx: StepContext, path: string): Promise<number | undefined> {
  const res = await ctx.remote.run(ctx.node, sh`stat -c %s ${path}`);
  const n = Number(res.stdout.trim());
  return res.code === 0 && Number.isFinite(n) ? n : undefined;
}

/** `rke2 etcd-snapshot save` talks to the running server, so this runs before anything is stopped. */
export const snapshotStep: StepDef = {
  id: "snapshot",
  title: "etcd snapshot",
  async check(ctx) {
    const prior = await priorAct(ctx, "snapshot");
    if (prior) return prior;
    const { found } = await thisSnapshot(ctx);
    return { done: !!found, observed: { existing: found ?? null } };
  },
  async act(ctx, check) {
    const cmd = etcdSnapshotSave(snapshotName(ctx.op.id));
    const { res } = await actOnce(ctx, check, "snapshot", cmd);
    if (res.code !== 0) {
      const failure = actFailure("etcd snapshot failed", cmd.line, res);
      // Break-glass: expired certificates can stop the snapshot; the plan said the tarball is the backup then.
      if (isEmergency(ctx.op.params))
        return {
          ok: true,
          facts: { snapshotFailed: `${failure.message}: ${(failure.stderr ?? "").trim().split("\n").pop()}` },
        };
      return { ok: false, failure };
    }
    return { ok: true, facts: { snapshotReported: parseSnapshotName(res.stderr + res.stdout) ?? null } };
  },
  async verify(ctx) {
    const r = await thisSnapshot(ctx);
    const failed = ctx.facts.snapshotFailed;
    if (!r.found && typeof failed === "string")
      return {
        ok: true,
        summary: "no etcd snapshot",
        warnings: [`etcd snapshot on ${ctx.node.name}: ${failed}`],
      };
    if (!r.found)
      return {
        ok: false,
        failure: { message: `etcd snapshot on ${ctx.node.name} not verified: ${r.why}` },
      };
    const { found } = r;
    return { ok: true, facts: { snapshot: found }, summary: `${found.path} (${humanSize(found.size)})` };
  },
};

/**
 * A tarball of server/tls beside it (never inside it: rotate copies server/tls). Written to a
 * .partial name and renamed, so "final file exists" means "the tar finished".
 */
export const tlsBackupStep: StepDef = {
  id: "tls-backup",
  title: "server/tls tarball",
  async check(ctx) {
    const prior = await priorAct(ctx, "tls-backup");
    if (prior) return prior;
    const size = await statSize(ctx, tlsTarball(ctx.op.id));
    return { done: (size ?? 0) > 0, observed: { size: size ?? null } };
  },
  async act(ctx, check) {
    const path = tlsTarball(ctx.op.id);
    // GNU tar exits 1 for "file changed as we read it": the archive is still complete. One
    // command under the step's lock, so two tars never write the same .partial.
    const tar = sh`tar -czf ${`${path}.partial`} -C ${`${DATA_DIR}/server`} tls; rc=$?; test $rc -le 1 || exit $rc; mv -f ${`${path}.partial`} ${path}`;
    const { res } = await actOnce(ctx, check, "tls-backup", tar);
    if (res.code !== 0) return { ok: false, failure: actFailure("tls backup failed", tar.line, res) };
    return { ok: true };
  },
  async verify(ctx) {
    const path = tlsTarball(ctx.op.id);
    const size = await statSize(ctx, path);
    if (!size) return { ok: false, failure: { message: `${path} is missing or empty after tar` } };
    return { ok: true, facts: { tlsBackup: { path, size } }, summary: `${path} (${humanSize(size)})` };
  },
};
