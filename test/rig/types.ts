// Public types of the simulated RKE2 cluster (re-exported by sim-cluster.ts).
import type { CommandLogEntry } from "./fixtures/lib/state.mjs";
import type { InventoryExtra } from "./inventory.js";
import type { SshResult } from "./ssh-client.js";

export interface CertPlan {
  leafDays?: number;
  /** `cn` replaces the leaf's subject CN (e.g. text Slack would read as a mention). */
  overrides?: Record<string, { notAfterDays?: number; notBeforeDays?: number; cn?: string }>;
  corrupt?: Record<string, "empty" | "garbage" | "truncated">;
  servingSans?: { dns?: string[]; ip?: string[] };
}
export interface SimNodeOptions {
  name: string;
  role: "server" | "agent";
  version?: string;
  certs?: CertPlan;
}
export interface SimNode {
  name: string;
  role: "server" | "agent";
  port: number;
  hostKeyFingerprint: string;
  dataDir: string;
  etcDir: string;
  /** extras: the node's simulated InternalIP and its known_hosts line */
  ip: string;
  knownHostsLine: string;
}
export interface NodeState {
  service: "active" | "inactive" | "failed";
  runningVersion: string;
  installedVersion: string;
  cordoned: boolean;
}
export interface PlantedEvent {
  reason?: string;
  type?: "Warning" | "Normal";
  message?: string;
  namespace?: string;
  ageSeconds?: number;
}
export interface SimCluster {
  name: string;
  dir: string;
  clientKeyPath: string;
  /** known_hosts file pinning every node's host key ([127.0.0.1]:port) */
  knownHostsPath: string;
  nodes: SimNode[];
  inventoryYaml(extra?: InventoryExtra): string;
  writeInventory(path?: string, extra?: InventoryExtra): string;
  commandLog(): CommandLogEntry[];
  setKnob(node: string, knob: string, value: string | null): void;
  nodeState(node: string): NodeState;
  /** Plant a Node event (default: a CertificateExpirationWarning from rke2-cert-monitor). */
  addEvent(node: string, ev?: PlantedEvent): void;
  /** Make a node unreachable (kill its sshd and sessions) / reachable again on the same port and host key. */
  stopSshd(node: string): Promise<void>;
  startSshd(node: string): Promise<void>;
  /**
   * Cut every open SSH connection to the node (SIGKILL of the per-connection sshd processes) while
   * sshd keeps listening and commands detached from their session (setsid) keep running. Returns
   * how many connections were cut.
   */
  dropSessions(node: string): number;
  /** Run a command on a node through the OpenSSH client (strict host key checking). */
  ssh(node: string, command: string, timeoutMs?: number): Promise<SshResult>;
  stop(): Promise<void>;
}
