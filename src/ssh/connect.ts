import { readFile } from "node:fs/promises";
import { Socket } from "node:net";
import type { Client, ConnectConfig } from "ssh2";
import type { NodeSpec } from "../config/inventory.js";
import { SshError } from "./ssh-error.js";
import { fingerprintOf, HOST_KEY_ALGORITHMS } from "./host-key.js";
import { sendWritesPerTick } from "./packet-socket.js";

export interface ConnectOptions {
  /** ssh-agent socket (SSH_AUTH_SOCK), tried alongside the key file. */
  agentSocket?: string;
  keepaliveIntervalMs: number;
}

// Loaded at the first connection: a web replica that never opens one never pays for ssh2.
let ssh2: Promise<typeof import("ssh2")> | undefined;
const loadSsh2 = () => (ssh2 ??= import("ssh2"));

/** One connection attempt with the node's pinned host key checked before authentication. */
export async function connectOnce(node: NodeSpec, opts: ConnectOptions): Promise<Client> {
  const { ssh } = node;
  let privateKey: Buffer | undefined;
  try {
    privateKey = await readFile(ssh.privateKeyPath);
  } catch (err) {
    if (!opts.agentSocket)
      throw new SshError(
        "key-unreadable",
        node.name,
        `cannot read SSH private key ${ssh.privateKeyPath}: ${(err as Error).message}`,
      );
  }
  let seenFingerprint: string | undefined;
  const config: ConnectConfig = {
    host: ssh.host,
    port: ssh.port,
    username: ssh.user,
    privateKey,
    agent: opts.agentSocket,
    readyTimeout: ssh.connectTimeoutMs,
    keepaliveInterval: opts.keepaliveIntervalMs,
    keepaliveCountMax: 3,
    algorithms: { serverHostKey: [...HOST_KEY_ALGORITHMS] },
    hostVerifier: (key: Buffer) => {
      seenFingerprint = fingerprintOf(key);
      return seenFingerprint === ssh.hostKey;
    },
  };
  const client = new (await loadSsh2()).Client();
  let tcpConnected = false;
  client.on("connect", () => (tcpConnected = true));
  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    // One listener for the client's whole life: ssh2 may emit more than one error (a handshake
    // timeout, then "Connection lost before handshake"), and an unheard one kills the process.
    // Errors after "ready" surface through the running command and the executor's close handling.
    client.on("error", (err: Error & { level?: string; code?: string }) => {
      if (settled) return;
      settled = true;
      client.removeAllListeners("ready");
      client.destroy();
      reject(classifyConnectError(node, err, { seen: seenFingerprint, tcpConnected }));
    });
    client.once("ready", () => {
      if (settled) return;
      settled = true;
      resolve(client);
    });
    // The server side can vanish mid-handshake (sshd killed, connection reset) with a close and
    // no error: without this the attempt would wait forever.
    client.once("close", () => {
      if (settled) return;
      settled = true;
      reject(
        new SshError(
          "unreachable",
          node.name,
          `SSH handshake with ${node.name} (${ssh.host}:${ssh.port}) ended: the connection closed before it completed`,
        ),
      );
    });
    // Our socket, not ssh2's: it sends each SSH packet as one segment (packet-socket.ts).
    // ssh2 still runs the handshake timeout and reports the socket's errors as its own.
    const sock = new Socket();
    try {
      // SSH is request/response in small packets (channel open, exec, exit status, close): with
      // Nagle's algorithm each waits out the peer's delayed ACK, 40 ms a turn. OpenSSH sets
      // TCP_NODELAY for the same reason. Node applies it once the socket connects.
      sock.setNoDelay(true);
      sock.connect({ host: ssh.host, port: ssh.port });
      sendWritesPerTick(sock);
      client.connect({ ...config, sock });
    } catch (err) {
      // ssh2 throws synchronously for a key it cannot parse.
      settled = true;
      sock.destroy();
      client.destroy();
      reject(
        new SshError(
          "key-unreadable",
          node.name,
          `cannot use SSH private key ${ssh.privateKeyPath}: ${(err as Error).message}`,
        ),
      );
    }
  });
}

function classifyConnectError(
  node: NodeSpec,
  err: Error & { level?: string; code?: string },
  at: { seen?: string; tcpConnected: boolean },
): SshError {
  const { seen } = at;
  const where = `${node.name} (${node.ssh.host}:${node.ssh.port})`;
  if (seen !== undefined && seen !== node.ssh.hostKey) {
    return new SshError(
      "host-key-mismatch",
      node.name,
      `host key mismatch for ${where}: pinned ${node.ssh.hostKey}, server offered ${seen}; refusing to connect`,
    );
  }
  if (err.level === "client-authentication")
    return new SshError("auth-failed", node.name, `authentication as ${node.ssh.user} failed on ${where}`);
  const timedOut =
    /Timed out while waiting for handshake/i.test(err.message) || err.level === "client-timeout";
  if (timedOut && at.tcpConnected)
    return new SshError(
      "timeout",
      node.name,
      `SSH handshake timed out with ${where} after ${node.ssh.connectTimeoutMs} ms: the port accepted the connection but no SSH handshake completed`,
    );
  if (timedOut)
    return new SshError(
      "timeout",
      node.name,
      `timed out connecting to ${where} after ${node.ssh.connectTimeoutMs} ms`,
    );
  // Accepted, then garbage, a reset or a hang-up: reached a port that does not speak SSH (yet).
  if (at.tcpConnected)
    return new SshError(
      "unreachable",
      node.name,
      `SSH handshake with ${where} failed: ${err.code ?? err.message}`,
    );
  return new SshError("unreachable", node.name, `cannot reach ${where}: ${err.code ?? err.message}`);
}
