import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parseDocument } from "yaml";
import { ConfigError } from "./config-error.js";
import { formatIssues } from "./format-issues.js";
import { clusterUpgradeOf, type Inventory, type NodeSpec } from "./inventory.js";
import { inventorySchema, type RawInventory } from "./inventory-schema.js";
import type { SshPoolSettings } from "./ssh-pool-settings.js";

const DEFAULT_SSH = {
  user: "root",
  port: 22,
  privateKeyPath: "./keys/id_ed25519",
  sudo: false,
  connectTimeoutSeconds: 10,
};

/** Read, parse and validate the inventory file. Throws ConfigError listing every problem. */
export function loadInventory(path: string): Inventory {
  const source = resolve(path);
  let text: string;
  try {
    text = readFileSync(source, "utf8");
  } catch (err) {
    throw new ConfigError(source, [`cannot read the inventory file: ${(err as Error).message}`]);
  }
  return parseInventory(text, source);
}

export function parseInventory(text: string, source: string): Inventory {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map(
        (e) => `YAML ${e.linePos ? `line ${e.linePos[0].line}` : ""}: ${e.message.split("\n")[0]}`,
      ),
    );
  }
  const parsed = inventorySchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) throw new ConfigError(source, formatIssues(parsed.error.issues));
  return resolveInventory(parsed.data, source);
}

function resolveInventory(raw: RawInventory, source: string): Inventory {
  const base = dirname(source);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  return {
    source,
    approvals: raw.approvals,
    audit: raw.audit,
    limits: raw.limits,
    report: raw.report,
    operations: raw.operations,
    upgrade: raw.upgrade,
    ssh: poolSettingsOf(raw.ssh),
    clusters: raw.clusters.map((c) => ({
      name: c.name,
      channel: c.channel,
      approvals: c.approvals ?? {},
      channelOnly: c.channelOnly ?? false,
      ...(c.readers ? { readers: c.readers } : {}),
      maintenanceWindows: c.maintenanceWindows ?? [],
      appChecks: c.appChecks ?? [],
      ...(c.rancher
        ? { rancher: { ...c.rancher, ...(c.rancher.caFile ? { caFile: abs(c.rancher.caFile) } : {}) } }
        : {}),
      upgrade: clusterUpgradeOf(raw.upgrade, c.upgrade),
      nodes: c.nodes.map((n): NodeSpec => {
        const s = { ...DEFAULT_SSH, ...raw.ssh, ...c.ssh, ...n.ssh };
        return {
          cluster: c.name,
          name: n.name,
          role: n.role,
          ssh: {
            host: n.host,
            port: n.port ?? s.port,
            user: s.user,
            privateKeyPath: abs(s.privateKeyPath),
            hostKey: n.hostKey,
            sudo: s.sudo,
            connectTimeoutMs: Math.round(s.connectTimeoutSeconds * 1000),
          },
        };
      }),
    })),
  };
}

/** Only the process-wide keys; the rest of top-level `ssh:` are per-node defaults. */
function poolSettingsOf(s: RawInventory["ssh"]): Partial<SshPoolSettings> {
  const { maxConcurrency, keepAliveSeconds, maxOpenConnections, acquireTimeoutSeconds } = s;
  return Object.fromEntries(
    Object.entries({ maxConcurrency, keepAliveSeconds, maxOpenConnections, acquireTimeoutSeconds }).filter(
      ([, v]) => v !== undefined,
    ),
  );
}
