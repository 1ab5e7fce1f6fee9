import type { CommandLogEntry } from "../../rig/sim-cluster.js";

/** Helpers over the rig's command log (every fixture call: node, argv, start/end time, exit code). */
export const cmd = (e: CommandLogEntry): string => e.argv.join(" ");

export function find(log: CommandLogEntry[], node: string | undefined, re: RegExp): CommandLogEntry[] {
  return log.filter((e) => (!node || e.node === node) && re.test(cmd(e)));
}

/** The commands matching `re` that started at `t0` or later, any node, as text. */
export function commandsSince(log: CommandLogEntry[], t0: number, re: RegExp): string[] {
  return find(
    log.filter((e) => e.t >= t0),
    undefined,
    re,
  ).map(cmd);
}

export function one(log: CommandLogEntry[], node: string, re: RegExp): CommandLogEntry {
  const hits = find(log, node, re);
  if (hits.length !== 1)
    throw new Error(
      `expected exactly one ${re} on ${node}, got ${hits.length}: ${hits.map(cmd).join(" | ")}`,
    );
  return hits[0]!;
}

export const STOP = /^systemctl stop rke2-server$/;
export const START = /^systemctl start rke2-server$/;
export const ROTATE = /^rke2 certificate rotate$/;
export const SNAPSHOT = /^rke2 etcd-snapshot save --name /;
export const READYZ_OK = /get --raw \/readyz\?verbose$/;
export const AGENT_RESTART = /^systemctl restart rke2-agent$/;
/** Anything that changes a node (reads are allowed anywhere). */
export const MUTATING = /^(systemctl (stop|start|restart)|rke2 certificate rotate|rke2 etcd-snapshot save)/;
