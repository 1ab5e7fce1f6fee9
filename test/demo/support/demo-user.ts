// The ordinary (non-root) user the demo's unprivileged path runs as: this process's own user when it
// is not root, else `demo-user`, created here when missing (useradd, as root in CI).
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";

export const DEMO_USER = "demo-user";

export interface OrdinaryUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  /** set when this process is root and the demo must be started with another uid/gid */
  switchTo: boolean;
}

function lookup(name: string): OrdinaryUser | undefined {
  const r = spawnSync("getent", ["passwd", name], { encoding: "utf8" });
  const f = r.status === 0 ? r.stdout.trim().split(":") : [];
  if (f.length < 7) return undefined;
  return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, switchTo: true };
}

/** The user, or why there is none: not Linux, or root cannot create one. */
export function ordinaryUser(root: string): OrdinaryUser | { unavailable: string } {
  if (process.platform !== "linux")
    return { unavailable: `the non-root demo needs Linux (${process.platform})` };
  const uid = process.getuid!();
  if (uid !== 0) {
    const me = userInfo();
    return { name: me.username, uid, gid: process.getgid!(), home: me.homedir, switchTo: false };
  }
  let user = lookup(DEMO_USER);
  if (!user) {
    const r = spawnSync("useradd", ["-m", "-s", "/bin/sh", DEMO_USER], { encoding: "utf8" });
    user = lookup(DEMO_USER);
    if (!user)
      return { unavailable: `cannot create ${DEMO_USER}: ${(r.stderr || r.error?.message || "").trim()}` };
  }
  const probe = spawnSync(
    "sh",
    ["-c", `test -r ${join(root, "package.json")} && test -x ${join(root, "node_modules")}`],
    {
      uid: user.uid,
      gid: user.gid,
    },
  );
  if (probe.status !== 0) return { unavailable: `${DEMO_USER} cannot read the checkout at ${root}` };
  return user;
}

/** Why `unshare -rm` does not work for this user, or undefined when it does. */
export function userNamespacesFor(user: OrdinaryUser): string | undefined {
  const ids = user.switchTo ? { uid: user.uid, gid: user.gid } : {};
  const r = spawnSync("unshare", ["-rm", "--propagation", "private", "true"], { encoding: "utf8", ...ids });
  if (r.status === 0) return undefined;
  return `unprivileged user namespaces are unavailable: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`;
}

/** Environment for a process started as `user` (npm wants a writable HOME). */
export function userEnv(user: OrdinaryUser): NodeJS.ProcessEnv {
  if (!user.switchTo) return { ...process.env };
  const path = process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  accessSync(user.home, constants.F_OK);
  return {
    PATH: path,
    HOME: user.home,
    USER: user.name,
    LOGNAME: user.name,
    LANG: process.env.LANG ?? "C.UTF-8",
  };
}
