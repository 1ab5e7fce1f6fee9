import { z } from "zod";
import type { NodeRole } from "../../config/inventory.js";
import type { OpRecord } from "../engine/records.js";

/** A version (v1.34.2+rke2r1), a minor channel (v1.34) or a named channel (stable, latest). */
export const upgradeTarget = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$/,
    "expected a version such as v1.30.4+rke2r1 or a channel such as stable",
  );

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

/** The words after `/rke2 upgrade <cluster>`: a target and optionally the method (ssh, the default, or suc). */
export const upgradeArgs = z
  .union([z.tuple([upgradeTarget]), z.tuple([upgradeTarget, z.enum(["ssh", "suc"])])])
  .transform(([requested, method]) => ({ requested, ...(method ? { method } : {}) }));

/** "suc" reaches the SSH definition only when no SUC variant applies to the cluster. */
export const sucUnavailable = (params: Record<string, unknown>): string | undefined =>
  params.method === "suc"
    ? "Upgrades through the System Upgrade Controller are not available in this build."
    : undefined;

export function upgradeParams(op: OpRecord): UpgradeParams {
  const p = op.params as Partial<UpgradeParams>;
  if (typeof p.target !== "string" || !Array.isArray(p.nodes))
    throw new Error(`${op.id}: no resolved upgrade target in the operation record`);
  return p as UpgradeParams;
}

export const targetOf = (op: OpRecord): string => upgradeParams(op).target;
