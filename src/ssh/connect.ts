import { readFile } from "node:fs/promises";
import { Client, type ConnectConfig } from "ssh2";
import type { NodeSpec } from "../config/inventory.js";
import { SshError } from "./ssh-error.js";
import { fingerprintOf, HOST_KEY_ALGORITHMS } from "./host-key.js";

export interface ConnectOptions {
  /** ssh-agent socket (SSH_AUTH_SOCK), tried alongside the key file. */
  agentSocket?: string;
  keepaliveIntervalMs: number;
}

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
        false,
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
  const client = new Client();
  return new Promise<Client>((resolve, reject) => {
    const onError = (err: Error & { level?: string; code?: string }) => {
      client.removeAllListeners("ready");
      client.end();
      reject(classifyConnectError(node, err, seenFingerprint));
    };
    client.once("ready", () => {
      client.removeListener("error", onError);
      client.on("error", () => undefined); // later errors surface through the running command
      resolve(client);
    });
    client.once("error", onError);
    client.connect(config);
  });
}

function classifyConnectError(
  node: NodeSpec,
  err: Error & { level?: string; code?: string },
  seen?: string,
): SshError {
  const where = `${node.name} (${node.ssh.host}:${node.ssh.port})`;
  if (seen !== undefined && seen !== node.ssh.hostKey) {
    return new SshError(
      "host-key-mismatch",
      node.name,
      `host key mismatch for ${where}: pinned ${node.ssh.hostKey}, server offered ${seen}; refusing to connect`,
      false,
    );
  }
  if (err.level === "client-authentication")
    return new SshError(
      "auth-failed",
      node.name,
      `authentication as ${node.ssh.user} failed on ${where}`,
      false,
    );
  if (/Timed out while waiting for handshake/i.test(err.message) || err.level === "client-timeout")
    return new SshError(
      "timeout",
      node.name,
      `timed out connecting to ${where} after ${node.ssh.connectTimeoutMs} ms`,
      true,
    );
  return new SshError("unreachable", node.name, `cannot reach ${where}: ${err.code ?? err.message}`, true);
}
