// A simulated RKE2 cluster made of real OpenSSH sshd processes (one mount namespace per node), or ssh2
// servers with unprivileged user namespaces when there is no root, and fixture programs for rke2,
// systemctl, kubectl and the installer. See test/rig/README.md.
import { generateKeyPairSync, createHash, randomBytes } from "node:crypto";
import {
  accessSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../support/free-port.js";
import {
  createClusterCAs,
  loadClusterCAs,
  writeNodeCerts,
  type LoadedCAs,
} from "./fixtures/lib/node-certs.mjs";
import { initState, mutateState, readCommandLog, readState } from "./fixtures/lib/state.mjs";
import { initialClusterState } from "./fixtures/lib/cluster-model.mjs";
import { createNodeLayout, nodePaths } from "./node-fs.js";
import { startSshdNode, withPortRetry, type NodeHost, type NodeHostKind } from "./node-host.js";
import { startSsh2Node } from "./ssh2-node.js";
import { newEd25519 } from "./sshd.js";
import { buildInventoryYaml } from "./inventory.js";
import { runSsh } from "./ssh-client.js";
import type { SimCluster, SimNode, SimNodeOptions } from "./types.js";

export { namespacesAvailable } from "./sshd.js";
export { userNamespacesAvailable } from "./userns.js";
export type { NodeHostKind } from "./node-host.js";
export type { CommandLogEntry } from "./fixtures/lib/state.mjs";
export type { InventoryExtra } from "./inventory.js";
export type { SshResult } from "./ssh-client.js";
export type { CertPlan, NodeState, PlantedEvent, SimCluster, SimNode, SimNodeOptions } from "./types.js";

/** RKE2_SIM_TMPDIR, else /dev/shm when it is a writable tmpfs (hundreds of small files per node), else os.tmpdir(). */
function tempBase(): string {
  if (process.env.RKE2_SIM_TMPDIR) return process.env.RKE2_SIM_TMPDIR;
  try {
    accessSync("/dev/shm", constants.W_OK);
    if (statfsSync("/dev/shm").bavail * statfsSync("/dev/shm").bsize > 512 * 1024 * 1024) return "/dev/shm";
  } catch {
    /* no usable /dev/shm */
  }
  return tmpdir();
}

export const DEFAULT_VERSION = "v1.33.5+rke2r1";
const DAY = 86_400_000;

export function standardNodes(servers = 3, agents = 2): SimNodeOptions[] {
  return [
    ...Array.from({ length: servers }, (_, i) => ({ name: `cp-${i + 1}`, role: "server" as const })),
    ...Array.from({ length: agents }, (_, i) => ({ name: `agent-${i + 1}`, role: "agent" as const })),
  ];
}

/** The CA must predate every planned leaf by a 365-day lifetime (renewed leaves keep the CA's NotBefore). */
function caAgeDays(nodes: SimNodeOptions[]): number {
  let age = 1;
  for (const n of nodes) {
    const p = n.certs ?? {};
    age = Math.max(age, 365 - (p.leafDays ?? 300));
    for (const o of Object.values(p.overrides ?? {})) {
      if (o.notAfterDays !== undefined) age = Math.max(age, 365 - o.notAfterDays);
      if (o.notBeforeDays !== undefined && o.notBeforeDays < 0) age = Math.max(age, -o.notBeforeDays + 1);
    }
  }
  return age;
}

async function uniquePorts(n: number): Promise<number[]> {
  const seen = new Set<number>();
  while (seen.size < n) seen.add(await freePort());
  return [...seen];
}

/** nodeHost: "sshd" (default, needs root) or "ssh2" (ssh2 Server + `unshare -rm`, no root needed). */
export async function startSimCluster(opts: {
  name?: string;
  nodes: SimNodeOptions[];
  nodeHost?: NodeHostKind;
}): Promise<SimCluster> {
  const name = opts.name ?? "sim";
  if (!opts.nodes.length) throw new Error("startSimCluster: no nodes");
  const startNode = opts.nodeHost === "ssh2" ? startSsh2Node : startSshdNode;
  const dir = mkdtempSync(join(tempBase(), `rke2-sim-${name}-`));
  const clusterDir = join(dir, "cluster");
  const sshds = new Map<string, NodeHost>();
  // If the test process dies without stop(), take the nodes (and their sessions) down with it.
  const onExit = () => {
    for (const h of sshds.values()) h.killNow();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  try {
    mkdirSync(clusterDir, { recursive: true });
    const client = newEd25519("rke2-sim-client");
    const clientKeyPath = join(dir, "client_ed25519");
    writeFileSync(clientKeyPath, client.privateKey, { mode: 0o600 });
    writeFileSync(clientKeyPath + ".pub", client.publicKey + "\n");
    const authorizedKeysPath = join(dir, "authorized_keys");
    writeFileSync(authorizedKeysPath, client.publicKey + "\n", { mode: 0o600 });

    const now = Date.now();
    const caNotBefore = Math.floor((now - caAgeDays(opts.nodes) * DAY) / 1000) * 1000;
    const caDir = join(clusterDir, "ca");
    await createClusterCAs(caDir, caNotBefore);
    const cas: LoadedCAs = await loadClusterCAs(caDir);
    const serviceKeyPem = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs1", format: "pem" })
      .toString();
    const token = `K10${createHash("sha256")
      .update(readFileSync(join(caDir, "server-ca.crt")))
      .digest("hex")}::server:${randomBytes(16).toString("hex")}`;
    const specs = opts.nodes.map((n, i) => ({
      ...n,
      version: n.version ?? DEFAULT_VERSION,
      ip: `10.0.${Math.floor(i / 200)}.${11 + (i % 200)}`,
    }));
    initState(clusterDir, initialClusterState(name, specs, caNotBefore));
    const joinServer = specs.find((s) => s.role === "server")?.name ?? specs[0]!.name;
    const ports = await uniquePorts(specs.length);

    const nodes: SimNode[] = await Promise.all(
      specs.map(async (s, i) => {
        const p = nodePaths(dir, s.name);
        const identity = {
          node: s.name,
          role: s.role,
          ip: s.ip,
          cluster: name,
          clusterDir,
          sans: s.certs?.servingSans,
        };
        createNodeLayout(p, identity, joinServer);
        await writeNodeCerts({
          dataDir: p.dataDir,
          etcDir: p.etcDir,
          node: { name: s.name, role: s.role, ip: s.ip },
          caDir,
          cas,
          plan: s.certs,
          now,
          serviceKeyPem,
          token,
        });
        const host = newEd25519(`root@${s.name}`);
        writeFileSync(p.hostKeyPath, host.privateKey, { mode: 0o600 });
        writeFileSync(p.hostKeyPath + ".pub", host.publicKey + "\n");
        const spec = { root: p.root, port: ports[i]!, hostKeyPath: p.hostKeyPath, authorizedKeysPath };
        const nodeHost = await withPortRetry(spec, startNode);
        sshds.set(s.name, nodeHost);
        const port = nodeHost.port;
        const hostKeyLine = host.publicKey.split(" ").slice(0, 2).join(" ");
        return {
          name: s.name,
          role: s.role,
          port,
          hostKeyFingerprint: host.fingerprint,
          dataDir: p.dataDir,
          etcDir: p.etcDir,
          ip: s.ip,
          knownHostsLine: `[127.0.0.1]:${port} ${hostKeyLine}`,
        };
      }),
    );
    const knownHostsPath = join(dir, "known_hosts");
    writeFileSync(knownHostsPath, nodes.map((n) => n.knownHostsLine).join("\n") + "\n");

    const nodeByName = (n: string) => {
      const node = nodes.find((x) => x.name === n);
      if (!node) throw new Error(`no simulated node ${n} in cluster ${name}`);
      return node;
    };
    const cluster: SimCluster = {
      name,
      dir,
      clientKeyPath,
      knownHostsPath,
      nodes,
      inventoryYaml: (extra) => buildInventoryYaml({ name, clientKeyPath, nodes }, extra),
      writeInventory: (path, extra) => {
        const target = path ?? join(dir, "rke2-chatops.yaml");
        writeFileSync(target, cluster.inventoryYaml(extra));
        return target;
      },
      commandLog: () => readCommandLog(clusterDir),
      setKnob: (node, knob, value) => {
        nodeByName(node);
        mutateState(clusterDir, (st) => {
          const k = st.nodes[node]!.knobs;
          if (value === null) delete k[knob];
          else k[knob] = String(value);
        });
      },
      nodeState: (node) => {
        nodeByName(node);
        const n = readState(clusterDir).nodes[node]!;
        return {
          service: n.service,
          runningVersion: n.runningVersion,
          installedVersion: n.installedVersion,
          cordoned: n.cordoned,
        };
      },
      addEvent: (node, ev = {}) => {
        nodeByName(node);
        const t = Date.now() - (ev.ageSeconds ?? 60) * 1000;
        const at = new Date(Date.now() + 90 * DAY).toISOString().replace(/\.\d+Z$/, "Z");
        mutateState(
          clusterDir,
          (st) =>
            void st.events.push({
              name: `${node}.${randomBytes(8).toString("hex")}`,
              namespace: ev.namespace ?? "default",
              node,
              type: ev.type ?? "Warning",
              reason: ev.reason ?? "CertificateExpirationWarning",
              firstTimestamp: t,
              lastTimestamp: t,
              count: 1,
              message:
                ev.message ??
                `Node certificates require attention - restart rke2 on this node to trigger automatic rotation: kubelet/client-kubelet.crt: certificate system:node:${node} will expire within 120 days at ${at}`,
            }),
        );
      },
      stopSshd: async (node) => {
        nodeByName(node);
        await sshds.get(node)!.stop();
      },
      startSshd: async (node) => {
        nodeByName(node);
        await sshds.get(node)!.start();
      },
      dropSessions: (node) => {
        nodeByName(node);
        return sshds.get(node)!.dropSessions();
      },
      ssh: (node, command, timeoutMs) =>
        runSsh({ port: nodeByName(node).port, clientKeyPath, knownHostsPath }, command, timeoutMs),
      stop: async () => {
        process.off("exit", onExit);
        await Promise.all([...sshds.values()].map((h) => h.stop()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return cluster;
  } catch (err) {
    process.off("exit", onExit);
    await Promise.all([...sshds.values()].map((h) => h.stop()));
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
