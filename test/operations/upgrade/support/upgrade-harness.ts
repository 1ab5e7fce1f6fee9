import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { parseInventory } from "../../../../src/config/load-inventory.js";
import { mutateState } from "../../../rig/fixtures/lib/state.mjs";
import type { SimCluster } from "../../../rig/sim-cluster.js";
import { createHarness, testInventoryYaml, type Harness } from "../../support/harness.js";

export const FROM = "v1.33.5+rke2r1";
export const TO = "v1.34.8+rke2r1";

export interface UpgradeInventoryOptions {
  channelUrl: string;
  operations?: Record<string, number>;
}

/** The rotation tests' inventory (fast timings, two approvers) plus the local channel server. */
export function upgradeInventoryYaml(sim: SimCluster, o: UpgradeInventoryOptions): string {
  const doc = parse(
    testInventoryYaml(sim, { operations: { drainTimeoutSeconds: 10, ...o.operations } }),
  ) as Record<string, Record<string, unknown>>;
  doc.upgrade = { ...doc.upgrade, channelUrl: o.channelUrl };
  return stringify(doc);
}

/** support/harness.ts's createHarness on the upgrade inventory (fast timings plus the local channel server). */
export function createUpgradeHarness(
  sim: SimCluster,
  redisUrl: string,
  o: UpgradeInventoryOptions &
    Omit<NonNullable<Parameters<typeof createHarness>[2]>, "inventory" | "operations">,
): Promise<Harness> {
  const inventory = parseInventory(upgradeInventoryYaml(sim, o), join(sim.dir, "rke2-chatops.yaml"));
  return createHarness(sim, redisUrl, {
    ...o,
    inventory,
    prefix: o.prefix ?? `u-${randomBytes(4).toString("hex")}`,
  });
}

/** Put every node back on `version` (installed and running, uncordoned) from the host side, without fixture calls. */
export function resetCluster(sim: SimCluster, version = FROM): void {
  mutateState(join(sim.dir, "cluster"), (s) => {
    for (const n of Object.values(s.nodes))
      Object.assign(n, {
        installedVersion: version,
        runningVersion: version,
        cordoned: false,
        service: "active",
        knobs: {},
      });
  });
}

export const sixNodes = () => [
  ...["cp-1", "cp-2", "cp-3"].map((name) => ({ name, role: "server" as const, version: FROM })),
  ...["agent-1", "agent-2", "agent-3"].map((name) => ({ name, role: "agent" as const, version: FROM })),
];
export const SERVERS = ["cp-1", "cp-2", "cp-3"];
export const AGENTS = ["agent-1", "agent-2", "agent-3"];
