// Host-side directory layout of one simulated node: private dirs for the bind mounts, fixture wrappers, identity.
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURES_DIR = fileURLToPath(new URL("./fixtures/", import.meta.url));
const NODE_BIN = process.execPath.includes("node") ? process.execPath : "/usr/bin/node";

export interface NodePaths {
  root: string;
  dataDir: string;
  etcDir: string;
  binDir: string;
  homeDir: string;
  /** /var/lib/rancher/rke2-chatops on the node (the bot's action records). */
  actionsDir: string;
  hostKeyPath: string;
}

export function nodePaths(clusterDirRoot: string, name: string): NodePaths {
  const root = join(clusterDirRoot, "nodes", name);
  return {
    root,
    dataDir: join(root, "var-lib-rancher-rke2"),
    etcDir: join(root, "etc-rancher-rke2"),
    binDir: join(root, "usr-local-bin"),
    homeDir: join(root, "root-home"),
    actionsDir: join(root, "var-lib-rancher-rke2-chatops"),
    hostKeyPath: join(root, "ssh_host_ed25519_key"),
  };
}

const wrapper = (script: string) => `#!/bin/sh\nexec ${NODE_BIN} ${join(FIXTURES_DIR, script)} "$@"\n`;

/**
 * Create the node's directories, the fixture wrappers (rke2, systemctl, rke2-install-sim in /usr/local/bin;
 * kubectl at /var/lib/rancher/rke2/bin/kubectl + symlink) and /etc/rancher/rke2/.sim.json.
 */
export function createNodeLayout(
  p: NodePaths,
  identity: { node: string; role: string; ip: string; cluster: string; clusterDir: string; sans?: object },
  joinServer: string,
): void {
  for (const d of [p.dataDir, p.etcDir, p.binDir, p.homeDir, p.actionsDir, join(p.dataDir, "bin")])
    mkdirSync(d, { recursive: true });
  chmodSync(p.homeDir, 0o700);
  const put = (path: string, text: string) => {
    writeFileSync(path, text);
    chmodSync(path, 0o755);
  };
  put(join(p.binDir, "rke2"), wrapper("rke2.mjs"));
  put(join(p.binDir, "systemctl"), wrapper("systemctl.mjs"));
  put(join(p.binDir, "rke2-install-sim"), wrapper("install.mjs"));
  put(join(p.dataDir, "bin", "kubectl"), wrapper("kubectl.mjs"));
  symlinkSync("/var/lib/rancher/rke2/bin/kubectl", join(p.binDir, "kubectl"));
  writeFileSync(join(p.etcDir, ".sim.json"), JSON.stringify(identity, null, 2) + "\n");
  writeFileSync(
    join(p.etcDir, "config.yaml"),
    identity.role === "server"
      ? `node-name: ${identity.node}\n`
      : `server: https://${joinServer}:9345\nnode-name: ${identity.node}\n`,
  );
}
