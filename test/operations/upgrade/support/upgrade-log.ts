import type { CommandLogEntry } from "../../../rig/sim-cluster.js";
import { cmd } from "../../support/command-log.js";

export const INSTALL = /^rke2-install-sim$/;
export const SERVER_RESTART = /^systemctl restart rke2-server$/;
export const AGENT_RESTART = /^systemctl restart rke2-agent$/;
export const SNAPSHOT = /^rke2 etcd-snapshot save --name /;
export const READYZ = /get --raw \/readyz\?verbose$/;
/** Anything that changes a node or the cluster (reads are allowed anywhere). */
export const MUTATING =
  /^(rke2-install-sim|systemctl (stop|start|restart)|rke2 etcd-snapshot save|kubectl .*\b(cordon|uncordon|drain)\b)/;

/** kubectl <verb> <node> runs on a server: find it by the node named in its arguments. */
export const kubectlOn = (log: CommandLogEntry[], verb: "cordon" | "uncordon" | "drain", node: string) =>
  log.filter((e) => e.argv[0] === "kubectl" && e.argv.includes(verb) && e.argv.includes(node));

/** Everything that changed `node`: commands run on it, and cordon/drain/uncordon naming it. */
export function touching(log: CommandLogEntry[], node: string): CommandLogEntry[] {
  return log.filter(
    (e) =>
      (e.node === node && MUTATING.test(cmd(e))) ||
      (/^kubectl .*\b(cordon|uncordon|drain)\b/.test(cmd(e)) && e.argv.includes(node)),
  );
}

/** An agent counts from its first cordon/drain/install/stop until its uncordon ended. */
export function agentInterval(log: CommandLogEntry[], node: string): { from: number; to: number } {
  const t = touching(log, node);
  const un = kubectlOn(log, "uncordon", node).at(-1);
  return { from: Math.min(...t.map((e) => e.t)), to: un?.tEnd ?? Math.max(...t.map((e) => e.tEnd ?? e.t)) };
}

/** Most intervals open at one instant. */
export function peakOverlap(intervals: Array<{ from: number; to: number }>): number {
  const ev = intervals
    .flatMap((i) => [
      { t: i.from, d: 1 },
      { t: i.to, d: -1 },
    ])
    .sort((a, b) => a.t - b.t || a.d - b.d);
  let cur = 0;
  let peak = 0;
  for (const e of ev) peak = Math.max(peak, (cur += e.d));
  return peak;
}
