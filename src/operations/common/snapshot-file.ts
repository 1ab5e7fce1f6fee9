import { SNAPSHOT_DIR } from "../../rke2/paths.js";
import {
  etcdSnapshotList,
  isSnapshotOf,
  localPath,
  parseSnapshotList,
  snapshotTime,
} from "../../rke2/etcd-snapshots.js";
import { sh } from "../../ssh/shell-quote.js";
import type { StepContext } from "../engine/definition.js";

export interface SizedFile {
  path: string;
  size: number;
}

export type SnapshotSearch = { found: SizedFile } | { found?: undefined; why: string };

type Ctx = Pick<StepContext, "remote" | "node">;

async function regularFileSize(ctx: Ctx, path: string): Promise<number | undefined> {
  const res = await ctx.remote.run(ctx.node, sh`test -f ${path} && stat -c %s ${path}`);
  const n = Number(res.stdout.trim());
  return res.code === 0 && res.stdout.trim() !== "" && Number.isFinite(n) ? n : undefined;
}

/**
 * The etcd snapshot this operation took on this node, verified to be a finished, non-empty file.
 * `reported` is the name `rke2 etcd-snapshot save` printed; only that file counts. Without it
 * (a crash before the save's output was recorded) the newest `<base>-<node>-<unix>[.zip]` that
 * `rke2 etcd-snapshot ls` lists counts. A `*.part` (an interrupted save) never does.
 */
export async function findSnapshot(ctx: Ctx, base: string, reported?: string): Promise<SnapshotSearch> {
  const wanted = reported ?? `${base}-${ctx.node.name}-<unix>`;
  if (reported !== undefined && (reported.endsWith(".part") || reported.includes("/")))
    return { why: `rke2 reported ${reported}, which is not a finished snapshot file` };
  const ls = await ctx.remote.run(ctx.node, etcdSnapshotList());
  let candidates: string[];
  if (ls.code === 0) {
    candidates = parseSnapshotList(ls.stdout)
      .filter((s) => (reported ? s.name === reported : isSnapshotOf(s.name, base, ctx.node.name)))
      .sort((a, b) => snapshotTime(b.name) - snapshotTime(a.name))
      .map((s) => localPath(s.location))
      .filter((p): p is string => !!p && !p.endsWith(".part"));
  } else if (reported) {
    // `ls` needs the supervisor; the name save printed still locates the file in the default dir.
    candidates = [`${SNAPSHOT_DIR}/${reported}`];
  } else {
    const err = (ls.stderr || ls.stdout).trim().split("\n").at(-1) ?? "";
    return { why: `\`rke2 etcd-snapshot ls\` exited ${ls.code ?? "?"}${err ? `: ${err}` : ""}` };
  }
  for (const path of candidates) {
    const size = await regularFileSize(ctx, path);
    if (size && size > 0) return { found: { path, size } };
  }
  return {
    why: candidates.length
      ? `snapshot ${candidates[0]} is missing or empty`
      : `no local snapshot ${wanted} listed by \`rke2 etcd-snapshot ls\``,
  };
}
