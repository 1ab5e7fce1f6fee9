import { mkdirSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { parseInventory } from "../../../../src/config/load-inventory.js";
import { mutateState, readState } from "../../../rig/fixtures/lib/state.mjs";
import type { SimCluster } from "../../../rig/sim-cluster.js";
import { createHarness, type Harness } from "../../support/harness.js";
import { textOf, type RecordingChat } from "../../support/recording-chat.js";
import { FROM, resetCluster, upgradeInventoryYaml } from "../../upgrade/support/upgrade-harness.js";

/** The two SUC manifests, written where every node sees them (/tmp is the host's). */
export function writeManifests(sim: SimCluster): { crd: string; controller: string } {
  const dir = join(sim.dir, "suc-manifests");
  mkdirSync(dir, { recursive: true });
  const crd = join(dir, "crd.yaml");
  const controller = join(dir, "system-upgrade-controller.yaml");
  writeFileSync(
    crd,
    stringify({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "plans.upgrade.cattle.io" },
    }),
  );
  writeFileSync(
    controller,
    [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "system-upgrade" } },
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "system-upgrade", namespace: "system-upgrade" },
      },
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "system-upgrade-controller", namespace: "system-upgrade" },
      },
    ]
      .map((d) => stringify(d))
      .join("---\n"),
  );
  return { crd, controller };
}

/** The upgrade tests' inventory with this cluster upgraded through SUC (per-cluster override). */
export function createSucHarness(
  sim: SimCluster,
  redisUrl: string,
  o: {
    channelUrl: string;
    manifests?: { crd: string; controller: string };
    operations?: Record<string, number>;
  },
): Promise<Harness> {
  const doc = parse(upgradeInventoryYaml(sim, o)) as { clusters: Array<Record<string, unknown>> };
  doc.clusters[0]!.upgrade = { method: "suc", ...(o.manifests ? { sucManifests: o.manifests } : {}) };
  const inventory = parseInventory(stringify(doc), join(sim.dir, "rke2-chatops.yaml"));
  return createHarness(sim, redisUrl, { inventory, prefix: `s-${randomBytes(4).toString("hex")}` });
}

export interface SucEvent {
  seq: number;
  t: number;
  plan: string;
  node?: string;
  what: "plan-applied" | "job-created" | "upgraded" | "complete" | "failed";
  version?: string;
  channel?: string;
}
export interface SucSimState {
  crd: boolean;
  controller: boolean;
  plans: Record<string, unknown>;
  jobs: Array<{ name: string; node: string; state: string }>;
  events: SucEvent[];
}

export const sucState = (sim: SimCluster): SucSimState | undefined =>
  (readState(join(sim.dir, "cluster")) as unknown as { suc?: SucSimState }).suc;

/** Nodes back on FROM, no controller, no plans, no jobs (host side, no fixture calls). */
export function resetSuc(sim: SimCluster): void {
  resetCluster(sim, FROM);
  mutateState(join(sim.dir, "cluster"), (s) => {
    delete (s as { suc?: unknown }).suc;
  });
}

/** Each live progress message of the thread of `mainTs`: its post, then every update of that ts, as text. */
export function progressMessages(
  chat: RecordingChat,
  mainTs: string,
): Array<{ ts: string; versions: string[] }> {
  const calls = chat.calls();
  return calls
    .filter((c) => c.kind === "post" && c.threadTs === mainTs && /: progress$/.test(c.msg.text ?? ""))
    .map((p) => ({
      ts: p.ts,
      versions: [p, ...calls.filter((c) => c.kind === "update" && c.ts === p.ts)].map((c) => textOf(c.msg)),
    }));
}
