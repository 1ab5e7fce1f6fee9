// What serves one simulated node over SSH: a real OpenSSH sshd (root) or ssh2's Server in this process
// with the node's commands in an unprivileged user + mount namespace (ssh2-node.ts).
import type { ChildProcess } from "node:child_process";
import { freePort } from "../support/free-port.js";
import {
  killNamespace,
  killSessions,
  launchSshd,
  mountNs,
  stopProcess,
  writeSshdConfig,
  type SshdSpec,
} from "./sshd.js";

export type NodeHostKind = "sshd" | "ssh2";

export interface NodeHost {
  readonly port: number;
  /** Unreachable: listener, sessions and every process of the node killed. */
  stop(): Promise<void>;
  /** Listening again on the same port with the same host key (no-op while running). */
  start(): Promise<void>;
  /** Cut the open connections; returns how many. Detached (setsid) commands keep running. */
  dropSessions(): number;
  /** Synchronous last-resort kill, for process exit. */
  killNow(): void;
}

export type NodeHostSpec = SshdSpec;

/** Start on spec.port; if it was taken meanwhile, try up to two other free ports. */
export async function withPortRetry(
  spec: NodeHostSpec,
  start: (spec: NodeHostSpec) => Promise<NodeHost>,
): Promise<NodeHost> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await start(spec);
    } catch (err) {
      if (attempt >= 2) throw err;
      spec = { ...spec, port: await freePort() };
    }
  }
}

export async function startSshdNode(spec: NodeHostSpec): Promise<NodeHost> {
  const cfg = writeSshdConfig(spec);
  let child: ChildProcess | undefined = await launchSshd(spec, cfg);
  let ns = mountNs(child.pid!);
  return {
    port: spec.port,
    stop: async () => {
      await stopProcess(child, ns);
      child = undefined;
      ns = undefined;
    },
    start: async () => {
      if (child && child.exitCode === null && child.signalCode === null) return;
      child = await launchSshd(spec, cfg);
      ns = mountNs(child.pid!);
    },
    dropSessions: () => killSessions(ns, child?.pid),
    killNow: () => killNamespace(ns, new Set([mountNs(process.pid) ?? ""])),
  };
}
