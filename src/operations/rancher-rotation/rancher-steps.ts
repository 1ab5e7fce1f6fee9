import { createRancherClient, type RancherClient } from "../../rancher/rancher-client.js";
import {
  clusterState,
  generationOf,
  type ClusterState,
  type GenerationField,
} from "../../rancher/provisioning-cluster.js";
import type { ClusterSpec } from "../../config/inventory.js";
import { pollUntil } from "../common/poll.js";
import type { StepContext, StepDef } from "../engine/definition.js";
import type { OpRecord } from "../engine/records.js";

/** Facts (on the anchor server's ledger) holding the generation each request asked for. */
export const RF = {
  snapshotTarget: "rancherSnapshotGeneration",
  rotateTarget: "rancherRotateGeneration",
} as const;

/** The services this rotation asks for: `/rke2 rotate … services=` over inventory rancher.rotateServices. */
export function servicesOf(op: Pick<OpRecord, "params">, cluster: ClusterSpec): string[] | undefined {
  const asked = op.params.services;
  if (Array.isArray(asked) && asked.length > 0) return asked as string[];
  return cluster.rancher?.rotateServices;
}

export function rancherFor(cluster: ClusterSpec, log?: StepContext["log"]): RancherClient {
  if (!cluster.rancher) throw new Error(`cluster ${cluster.name} has no rancher: block in the inventory`);
  return createRancherClient(cluster.rancher, log ? { log } : {});
}

/** Wait on the engine clock until Rancher reports the cluster ready, or an error condition. */
export async function waitForRancher(ctx: StepContext, doing: string): Promise<ClusterState> {
  const client = rancherFor(ctx.cluster, ctx.log);
  let last: ClusterState = { kind: "updating", message: "not read yet" };
  const r = await pollUntil(
    ctx.clock,
    {
      timeoutMs: ctx.cluster.rancher!.waitTimeoutSeconds * 1000,
      intervalMs: ctx.inventory.operations.pollIntervalSeconds * 1000,
      signal: ctx.signal,
    },
    async () => {
      last = clusterState(await client.get());
      // A failure ends the wait as well: nothing more will happen without an operator.
      return { ok: last.kind !== "updating", why: last.kind === "updating" ? last.message : last.kind };
    },
  );
  if (!r.ok)
    return {
      kind: "failed",
      message: `Rancher still reports ${doing} unfinished after ${Math.round(r.waitedMs / 1000)} s (${r.why})`,
    };
  return last;
}

/**
 * A one-shot Rancher request: raise spec.rkeConfig.<field>.generation to a target fixed (and
 * committed with the intent) before the first PUT, then wait until Rancher reports it done.
 * check() compares Rancher's object with that target, so a resumed step never asks twice.
 */
export function generationStep(o: {
  id: string;
  title: string;
  field: GenerationField;
  fact: string;
  doing: string;
  services?: (ctx: StepContext) => string[] | undefined;
}): StepDef {
  return {
    id: o.id,
    title: o.title,
    retryFrom: o.id,
    async check(ctx) {
      const cur = await rancherFor(ctx.cluster, ctx.log).get();
      const have = generationOf(cur, o.field);
      const fixed = ctx.facts[o.fact];
      const target = typeof fixed === "number" ? fixed : have + 1;
      return {
        done: have >= target,
        observed: { generation: have, resourceVersion: cur.metadata.resourceVersion },
        facts: { [o.fact]: target },
      };
    },
    async act(ctx) {
      const target = ctx.facts[o.fact] as number;
      const r = await rancherFor(ctx.cluster, ctx.log).requestGeneration(o.field, target, o.services?.(ctx));
      // verify() writes the step's summary: it repeats the conflicts from this fact.
      return { ok: true, facts: { [`${o.fact}Conflicts`]: r.conflicts } };
    },
    async verify(ctx) {
      const target = ctx.facts[o.fact] as number;
      const s = await waitForRancher(ctx, o.doing);
      if (s.kind !== "ready")
        return {
          ok: false,
          failure: { message: `Rancher reports ${o.doing} (generation ${target}) failed: ${s.message}` },
        };
      const conflicts = Number(ctx.facts[`${o.fact}Conflicts`] ?? 0);
      const retried = conflicts > 0 ? ` (asked after ${conflicts} concurrent edit(s) re-read)` : "";
      return {
        ok: true,
        summary: `Rancher reports ${o.doing} (generation ${target}) done, cluster Ready${retried}`,
      };
    },
  };
}

export const rancherSnapshotStep = generationStep({
  id: "rancher-snapshot",
  title: "etcd snapshot through Rancher",
  field: "etcdSnapshotCreate",
  fact: RF.snapshotTarget,
  doing: "the etcd snapshot",
});

export const rancherRotateStep = generationStep({
  id: "rancher-rotate",
  title: "certificate rotation through Rancher",
  field: "rotateCertificates",
  fact: RF.rotateTarget,
  doing: "the certificate rotation",
  services: (ctx) => servicesOf(ctx.op, ctx.cluster),
});
