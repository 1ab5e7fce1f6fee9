// What the demo needs from the machine, each missing piece told in one line with what to do.
import { spawnSync } from "node:child_process";
import { namespacesAvailable } from "../../test/rig/sim-cluster.js";

export type Check = { ok: true } | { ok: false; message: string };

export function checkRedis(): Check {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (r.error) return { ok: false, message: "redis-server not found: sudo apt-get install -y redis-server" };
  return { ok: true };
}

/**
 * The nodes are real OpenSSH servers, each in its own mount namespace. Without root that would take
 * `unshare --user --map-root-user`, where OpenSSH's privilege separation fails (setgroups is denied
 * in such a namespace), so the demo says what to do instead of half starting.
 */
export function checkNodes(uid: number | undefined = process.getuid?.()): Check {
  if (process.platform !== "linux")
    return {
      ok: false,
      message: `the simulated cluster needs Linux (mount namespaces); this is ${process.platform}`,
    };
  if (uid !== undefined && uid !== 0)
    return {
      ok: false,
      message:
        "the simulated nodes are real sshd processes in mount namespaces and need root (OpenSSH cannot run in an unprivileged user namespace): run `sudo npm run demo`, or run it in a --privileged container (README.md, 'Try it without Slack')",
    };
  const ns = namespacesAvailable();
  if (!ns.ok) {
    const fix = /sshd|ssh\b/.test(ns.reason)
      ? "sudo apt-get install -y openssh-server openssh-client"
      : "run it on a Linux host or a --privileged container where `unshare --mount` works";
    return { ok: false, message: `cannot start the simulated cluster: ${ns.reason}. Fix: ${fix}` };
  }
  return { ok: true };
}
