import type { Channel } from "./channel-client.js";
import { compareRke2, minorOf, parseRke2Version, type Rke2Version } from "./rke2-version.js";

export interface NodeVersion {
  node: string;
  role: "server" | "agent";
  version: Rke2Version;
}

export type TargetResolution =
  | {
      ok: true;
      target: Rke2Version;
      requested: string;
      via: string;
      upgrade: NodeVersion[];
      alreadyAtTarget: NodeVersion[];
    }
  | { ok: false; reason: string };

/** Pick the exact version a user's target names: an exact release, a minor channel or a named channel. */
export function pickTargetVersion(
  requested: string,
  channels: Channel[],
): { ok: true; version: Rke2Version; via: string } | { ok: false; reason: string } {
  const exact = parseRke2Version(requested);
  if (exact) {
    const ch = channels.find((c) => c.id === minorOf(exact));
    const latest = ch && parseRke2Version(ch.latest);
    if (!ch || !latest || compareRke2(exact, latest) > 0)
      return {
        ok: false,
        reason: `${requested} is not a known release (the ${minorOf(exact)} channel ${ch ? `ends at ${ch.latest}` : "does not exist"})`,
      };
    return { ok: true, version: exact, via: "exact version" };
  }
  if (/^v\d+\.\d+\.\d+/.test(requested))
    return { ok: false, reason: `"${requested}" is not an RKE2 version; write it as v1.34.2+rke2r1` };
  const ch = channels.find((c) => c.id === requested);
  const v = ch && parseRke2Version(ch.latest);
  if (!ch)
    return {
      ok: false,
      reason: `unknown channel "${requested}"; known channels include ${channels
        .slice(0, 8)
        .map((c) => c.id)
        .join(", ")}`,
    };
  if (!v)
    return { ok: false, reason: `channel ${requested} points at ${ch.latest}, which is not an RKE2 version` };
  return { ok: true, version: v, via: `channel ${requested}` };
}

/**
 * Check a target against what the nodes run: no downgrades, no skipped minor versions (skew
 * policy), no agent already ahead of a server. Nodes already at the target are skipped.
 */
export function checkUpgradePath(
  requested: string,
  picked: { version: Rke2Version; via: string },
  nodes: NodeVersion[],
): TargetResolution {
  const target = picked.version;
  const ahead = nodes.filter((n) => compareRke2(n.version, target) > 0);
  if (ahead.length > 0)
    return {
      ok: false,
      reason: `${target.raw} would be a downgrade: ${ahead.map((n) => `${n.node} runs ${n.version.raw}`).join(", ")}`,
    };
  const servers = nodes.filter((n) => n.role === "server");
  const oldestServer = servers.reduce<Rke2Version | undefined>(
    (m, n) => (!m || compareRke2(n.version, m) < 0 ? n.version : m),
    undefined,
  );
  const newestServer = servers.reduce<Rke2Version | undefined>(
    (m, n) => (!m || compareRke2(n.version, m) > 0 ? n.version : m),
    undefined,
  );
  for (const n of nodes) {
    if (n.version.major !== target.major || target.minor > n.version.minor + 1)
      return {
        ok: false,
        reason: `${target.raw} skips a minor version for ${n.node} (${n.version.raw}); upgrade one minor at a time (${minorOf(n.version)} → v${n.version.major}.${n.version.minor + 1})`,
      };
  }
  const agentAhead =
    newestServer && oldestServer
      ? nodes.filter((n) => n.role === "agent" && compareRke2(n.version, oldestServer) > 0)
      : [];
  if (agentAhead.length > 0)
    return {
      ok: false,
      reason: `agents are ahead of servers (${agentAhead.map((n) => `${n.node} ${n.version.raw}`).join(", ")} vs server ${oldestServer!.raw}); bring the servers level first`,
    };
  const alreadyAtTarget = nodes.filter((n) => compareRke2(n.version, target) === 0);
  const upgrade = nodes.filter((n) => compareRke2(n.version, target) < 0);
  return { ok: true, target, requested, via: picked.via, upgrade, alreadyAtTarget };
}
