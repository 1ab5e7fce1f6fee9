// What the demo needs from the machine, each missing piece told in one line with what to do.
import { spawnSync } from "node:child_process";
import {
  namespacesAvailable,
  userNamespacesAvailable,
  type NodeHostKind,
} from "../../test/rig/sim-cluster.js";

export type Check = { ok: true } | { ok: false; message: string };

export function checkRedis(): Check {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (r.error) return { ok: false, message: "redis-server not found: sudo apt-get install -y redis-server" };
  return { ok: true };
}

export type NodesCheck = { ok: true; nodeHost: NodeHostKind } | { ok: false; message: string };

const INSTEAD = "run `sudo npm run demo`, or the container command in README.md ('Try it without Slack')";

/**
 * As root the nodes are real OpenSSH servers, each in its own mount namespace. OpenSSH's privilege
 * separation cannot run in an unprivileged user namespace (setgroups is denied there), so without root
 * they are ssh2 servers in this process whose commands run in `unshare -rm` namespaces. Where neither
 * works, one line says what to run instead of half starting.
 */
export function checkNodes(
  uid: number | undefined = process.getuid?.(),
  userns: () => { ok: true } | { ok: false; reason: string } = userNamespacesAvailable,
): NodesCheck {
  if (process.platform !== "linux")
    return {
      ok: false,
      message: `the simulated cluster needs Linux namespaces; this is ${process.platform}: run the container command in README.md ('Try it without Slack')`,
    };
  if (uid !== undefined && uid !== 0) {
    const u = userns();
    if (u.ok) return { ok: true, nodeHost: "ssh2" };
    return { ok: false, message: `cannot simulate the nodes as uid ${uid}: ${u.reason}; ${INSTEAD}` };
  }
  const ns = namespacesAvailable();
  if (!ns.ok) {
    const fix = /sshd|ssh\b/.test(ns.reason)
      ? "sudo apt-get install -y openssh-server openssh-client"
      : "run it on a Linux host or a --privileged container where `unshare --mount` works";
    return { ok: false, message: `cannot start the simulated cluster: ${ns.reason}. Fix: ${fix}` };
  }
  return { ok: true, nodeHost: "sshd" };
}
