import type { SucManifests } from "../../config/inventory.js";
import type { OpRecord } from "../engine/records.js";
import { upgradeParams, UPGRADE_USAGE, type UpgradeParams } from "../upgrade/upgrade-params.js";

/** A version (v1.34.2+rke2r1), a minor channel (v1.34) or a named channel (stable, latest). */
const TARGET_RE = /^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$/;

/** Frozen into the op record: the SSH upgrade's assessment plus what the SUC path decided. */
export interface SucParams extends UpgradeParams {
  method: "suc";
  /** The controller was not there at preflight: this operation installs it, and removes it at the end. */
  sucInstall: boolean;
  manifests?: SucManifests;
  /** Nodes cordoned before the operation: never uncordoned by it. */
  cordonedBefore: string[];
}

/** `/rke2 upgrade <cluster> <target> [suc]` (a trailing `ssh` never reaches this definition). */
export function parseSucArgs(
  args: string[],
): { ok: true; params: Record<string, unknown> } | { ok: false; message: string } {
  if (args.length !== 1 && !(args.length === 2 && args[1] === "suc"))
    return { ok: false, message: `${UPGRADE_USAGE} [ssh|suc]` };
  const requested = args[0]!;
  if (!TARGET_RE.test(requested))
    return {
      ok: false,
      message: `"${requested.slice(0, 70)}" is neither a version nor a channel name. ${UPGRADE_USAGE}`,
    };
  return { ok: true, params: { requested } };
}

export function sucParams(op: OpRecord): SucParams {
  const p = upgradeParams(op) as Partial<SucParams> & UpgradeParams;
  if (typeof p.sucInstall !== "boolean") throw new Error(`${op.id}: no SUC decision in the operation record`);
  return p as SucParams;
}
