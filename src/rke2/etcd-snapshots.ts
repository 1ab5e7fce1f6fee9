import { sh, type RemoteCommand } from "../ssh/shell-quote.js";

/** `rke2 etcd-snapshot ls` (reference §5): the snapshots the server knows, default table output. */
export const etcdSnapshotList = (): RemoteCommand => sh`rke2 etcd-snapshot ls`;

export interface ListedSnapshot {
  name: string;
  /** `file:///…` for local snapshots, `s3://bucket/folder/name` for S3. */
  location: string;
  size: number;
  created: string;
}

/** The last `Snapshot <name> saved.` line of `rke2 etcd-snapshot save` (logrus, stderr). */
export function parseSnapshotSaved(output: string): string | undefined {
  const names = [...output.matchAll(/Snapshot ([^\s"/]+) saved\./g)].map((m) => m[1]!);
  return names.at(-1);
}

/** Rows of the `ls` table (tabwriter, header `Name Location Size Created`); anything else is skipped. */
export function parseSnapshotList(stdout: string): ListedSnapshot[] {
  return stdout
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 4 && f[0] !== "Name" && /^\d+$/.test(f[2]!) && /^[a-z0-9]+:\/\//.test(f[1]!))
    .map(([name, location, size, created]) => ({
      name: name!,
      location: location!,
      size: Number(size),
      created: created!,
    }));
}

/** Local file path of a `file://` location; undefined for S3 and anything else. */
export function localPath(location: string): string | undefined {
  return location.startsWith("file:///") ? location.slice("file://".length) : undefined;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A finished snapshot of `--name base` on `node`: `<base>-<node>-<unix>[.zip]`. etcd writes
 * `<file>.part` and renames it when done, so a `.part` (an interrupted save) never matches.
 */
export function isSnapshotOf(fileName: string, base: string, node: string): boolean {
  return new RegExp(`^${escapeRe(base)}-${escapeRe(node)}-\\d+(\\.zip)?$`).test(fileName);
}

/** Unix seconds in a snapshot name (0 when there are none), for "newest first". */
export const snapshotTime = (fileName: string): number =>
  Number(/-(\d+)(?:\.zip)?$/.exec(fileName)?.[1] ?? 0);
