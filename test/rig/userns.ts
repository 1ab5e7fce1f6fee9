// A simulated node's private view of the RKE2 paths without root: an unprivileged user + mount
// namespace (`unshare -rm`) held open by one process, which every command of the node enters (nsenter).
// Paths that do not exist on the host (non-root cannot create /var/lib/rancher) get a tmpfs on
// their nearest existing parent, which is refilled with links to what it hid.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { shellQuote as q } from "../../src/ssh/shell-quote.js";
import { mountNs } from "./sshd.js";

/** [host source dir, absolute path inside the node] */
export type Mount = readonly [string, string];

/** `unshare -rm` works here, with tmpfs and bind mounts, and `nsenter` can enter the result. */
export function userNamespacesAvailable(): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== "linux")
    return { ok: false, reason: `user namespaces need Linux (this is ${process.platform})` };
  const r0 = spawnSync("nsenter", ["--version"], { encoding: "utf8" });
  if (r0.error) return { ok: false, reason: `nsenter is not usable: ${r0.error.message}` };
  const dir = mkdtempSync(join(tmpdir(), "rke2-sim-userns-"));
  try {
    const script = `mount -t tmpfs tmpfs ${q(dir)} && mkdir ${q(join(dir, "a"))} && mount --bind ${q(dir)} ${q(join(dir, "a"))} && echo ok`;
    const r = spawnSync("unshare", ["-rm", "--propagation", "private", "sh", "-c", script], {
      encoding: "utf8",
    });
    if (r.error) return { ok: false, reason: `unshare is not usable: ${r.error.message}` };
    if (r.status !== 0 || !r.stdout.includes("ok"))
      return {
        ok: false,
        reason: `unprivileged user namespaces are not available (unshare -rm: ${(r.stderr || r.stdout).trim() || `exit ${r.status}`})`,
      };
    return { ok: true };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The existing parent that gets a tmpfs so that `target` can be created, or undefined if it exists. */
function missingBase(target: string): string | undefined {
  if (existsSync(target)) return undefined;
  let dir = dirname(target);
  while (!existsSync(dir)) dir = dirname(dir);
  if (dir === "/") throw new Error(`cannot create ${target}: no parent other than / exists`);
  return dir;
}

/**
 * The shell script that sets up a node's namespace: stash and tmpfs the bases, link back what they hid,
 * create the targets, bind the node's directories, then say "ready" and wait for stdin to close.
 */
export function namespaceScript(mounts: readonly Mount[], stashRoot: string): string {
  const wanted = mounts.map(([, t]) => missingBase(t)).filter((b): b is string => !!b);
  // A base inside another base is covered by the outer tmpfs.
  const bases = [...new Set(wanted)].filter(
    (b) => !wanted.some((o) => o !== b && !relative(o, b).startsWith("..")),
  );
  const lines = ["set -e"];
  bases.forEach((base, i) => {
    const stash = join(stashRoot, `stash-${i}`);
    mkdirSync(stash, { recursive: true });
    const inside = mounts.map(([, t]) => t).filter((t) => !relative(base, t).startsWith(".."));
    const own = new Set(inside.map((t) => relative(base, t).split("/")[0]!));
    lines.push(`mount --rbind ${q(base)} ${q(stash)}`, `mount -t tmpfs -o mode=755 rke2-sim ${q(base)}`);
    const plain: string[] = [];
    for (const name of readdirSync(base)) {
      if (own.has(name)) continue;
      const path = join(base, name);
      if (lstatSync(path).isSymbolicLink()) lines.push(`ln -s ${q(readlinkSync(path))} ${q(path)}`);
      else plain.push(q(join(stash, name)));
    }
    if (plain.length) lines.push(`ln -s ${plain.join(" ")} ${q(base)}/`);
    lines.push(`mkdir -p ${inside.map(q).join(" ")}`);
  });
  for (const [src, target] of mounts) lines.push(`mount --bind ${q(src)} ${q(target)}`);
  lines.push("echo ready", "exec cat >/dev/null");
  return lines.join("\n");
}

export interface NamespaceHolder {
  child: ChildProcess;
  /** "mnt:[…]" of the node's namespace */
  ns: string;
}

/** Start the process that holds the node's namespace open; it exits when our end of its stdin closes. */
export async function startNamespaceHolder(root: string, mounts: readonly Mount[]): Promise<NamespaceHolder> {
  const script = namespaceScript(mounts, root);
  const child = spawn("unshare", ["-rm", "--propagation", "private", "sh", "-c", script], {
    stdio: ["pipe", "pipe", "pipe"],
    detached: true, // a Ctrl-C to the caller's process group must not take the node down before its stop()
  });
  child.on("error", () => undefined);
  let out = "";
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) resolve();
    });
    child.once("exit", (code, sig) =>
      reject(new Error(`node namespace setup failed (${code ?? sig}): ${out.trim() || "no output"}`)),
    );
    child.once("error", reject);
  });
  const ns = mountNs(child.pid!);
  if (!ns) throw new Error("node namespace holder vanished");
  return { child, ns };
}

/** argv that runs `shell -c command` inside the holder's namespaces, as root there, in /root. */
export function enterArgs(holderPid: number, shell: string, command: string): string[] {
  return [
    "-t",
    String(holderPid),
    "-U",
    "-m",
    "--preserve-credentials",
    "--",
    "/bin/sh",
    "-c",
    'cd /root && exec "$0" -c "$1"', // nsenter --wd resolves the path before entering
    shell,
    command,
  ];
}
