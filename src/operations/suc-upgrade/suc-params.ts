import type { SucManifests } from "../../config/inventory.js";
import type { OpRecord } from "../engine/records.js";
import { z } from "zod";
import { upgradeParams, upgradeTarget as target, type UpgradeParams } from "../upgrade/upgrade-params.js";

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
export const sucArgs = z
  .union([z.tuple([target]), z.tuple([target, z.literal("suc")])])
  .transform(([requested]) => ({ requested }));

export function sucParams(op: OpRecord): SucParams {
  const p = upgradeParams(op) as Partial<SucParams> & UpgradeParams;
  if (typeof p.sucInstall !== "boolean") throw new Error(`${op.id}: no SUC decision in the operation record`);
  return p as SucParams;
}
