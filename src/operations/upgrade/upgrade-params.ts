import type { NodeRole } from "../../config/inventory.js";
import type { OpRecord } from "../engine/records.js";

/** A version (v1.34.2+rke2r1), a minor channel (v1.34) or a named channel (stable, latest). */
const TARGET_RE = /^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$/;

export const UPGRADE_USAGE =
  "usage: /rke2 upgrade <cluster> <version|channel> (e.g. v1.34.2+rke2r1, v1.34, stable)";

/** What one node ran when the plan was made. */
export interface NodeBefore {
  node: string;
  role: NodeRole;
  /** `rke2 --version` (the installed binary). */
  installed: string;
  /** The kubelet version the API reports (what runs). */
  kubelet: string;
  /** Already on the target: not touched, listed as skipped. */
  skipped: boolean;
}

/** Frozen into the op record at request time; steps read the target from here, never from a channel again. */
export interface UpgradeParams {
  requested: string;
  target: string;
  via: string;
  channelUrl: string;
  nodes: NodeBefore[];
}

export function parseUpgradeArgs(
  args: string[],
): { ok: true; params: Record<string, unknown> } | { ok: false; message: string } {
  // A trailing "ssh" names this (default) method; "suc" reaches here only when no SUC variant applies.
  if (args[1] === "suc")
    return {
      ok: false,
      message: "Upgrades through the System Upgrade Controller are not available in this build.",
    };
  if (args.length !== 1 && !(args.length === 2 && args[1] === "ssh"))
    return { ok: false, message: UPGRADE_USAGE };
  const requested = args[0]!;
  if (!TARGET_RE.test(requested))
    return {
      ok: false,
      message: `"${requested.slice(0, 70)}" is neither a version nor a channel name. ${UPGRADE_USAGE}`,
    };
  return { ok: true, params: { requested } };
}

export function upgradeParams(op: OpRecord): UpgradeParams {
  const p = op.params as Partial<UpgradeParams>;
  if (typeof p.target !== "string" || !Array.isArray(p.nodes))
    throw new Error(`${op.id}: no resolved upgrade target in the operation record`);
  return p as UpgradeParams;
}

export const targetOf = (op: OpRecord): string => upgradeParams(op).target;
