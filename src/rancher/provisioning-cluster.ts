import { z } from "zod";

/**
 * The parts of a provisioning.cattle.io/v1 Cluster we read. Everything else is kept as it came
 * (passthrough) so a PUT writes back exactly what Rancher sent plus our one change.
 */
const condition = z.looseObject({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

export const provisioningClusterSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    resourceVersion: z.string(),
    generation: z.number().int().optional(),
  }),
  spec: z.looseObject({
    rkeConfig: z
      .looseObject({
        etcdSnapshotCreate: z.looseObject({ generation: z.number().int().optional() }).optional(),
        rotateCertificates: z
          .looseObject({ generation: z.number().int().optional(), services: z.array(z.string()).optional() })
          .optional(),
      })
      .optional(),
  }),
  status: z
    .looseObject({
      ready: z.boolean().optional(),
      /** The management cluster id (c-m-…): the downstream API is /k8s/clusters/<it>/… */
      clusterName: z.string().optional(),
      observedGeneration: z.number().int().optional(),
      conditions: z.array(condition).optional(),
    })
    .optional(),
});

export type ProvisioningCluster = z.infer<typeof provisioningClusterSchema>;

/** The two one-shot requests Rancher's RKE2 planner acts on when their generation goes up. */
export type GenerationField = "etcdSnapshotCreate" | "rotateCertificates";

export const generationOf = (c: ProvisioningCluster, f: GenerationField): number =>
  c.spec.rkeConfig?.[f]?.generation ?? 0;

/** A copy of `c` asking for `f` at `generation` (rotation optionally limited to some services). */
export function withGeneration(
  c: ProvisioningCluster,
  f: GenerationField,
  generation: number,
  services?: string[],
): ProvisioningCluster {
  const rke = c.spec.rkeConfig ?? {};
  const field = f === "rotateCertificates" && services?.length ? { generation, services } : { generation };
  return { ...c, spec: { ...c.spec, rkeConfig: { ...rke, [f]: field } } };
}

export type ClusterState =
  { kind: "ready" } | { kind: "updating"; message: string } | { kind: "failed"; message: string };

/**
 * Where Rancher says the cluster is. Rancher's conditions are wrangler conditions: a transition in
 * progress is status "Unknown" (or "False" without reason Error) with a message; an error is
 * reason "Error" (or Stalled=True). "ready" = Rancher has seen the latest spec
 * (status.observedGeneration ≥ metadata.generation) and Ready and Updated are True. This is also
 * when a snapshot or rotation request counts as done: the planner has reconciled the bumped
 * generation and reports nothing left to do.
 */
export function clusterState(c: ProvisioningCluster): ClusterState {
  const conds = c.status?.conditions ?? [];
  const get = (t: string) => conds.find((x) => x.type === t);
  const broken = conds.find((x) => x.reason === "Error" || (x.type === "Stalled" && x.status === "True"));
  if (broken)
    return { kind: "failed", message: `${broken.type}: ${broken.message ?? broken.reason ?? "error"}` };
  const gen = c.metadata.generation;
  const seen = c.status?.observedGeneration;
  if (gen !== undefined && (seen === undefined || seen < gen))
    return { kind: "updating", message: `Rancher has not yet reconciled generation ${gen}` };
  for (const t of ["Updated", "Ready"]) {
    const x = get(t);
    if (x?.status !== "True")
      return { kind: "updating", message: `${t}: ${x?.message || x?.status || "not reported yet"}` };
  }
  return { kind: "ready" };
}
