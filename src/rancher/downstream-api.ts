import { z } from "zod";
import type { ProvisioningCluster } from "./provisioning-cluster.js";
import { RancherError, type RancherClient } from "./rancher-client.js";

/**
 * The downstream cluster's own API through Rancher's proxy (/k8s/clusters/<id>/…, same token and
 * CA): its nodes and where its serving certificates can be read on the wire. Used to verify a
 * rotation on a Rancher cluster whose nodes the inventory does not list (no SSH).
 */
const nodeList = z.object({
  items: z.array(
    z.looseObject({
      metadata: z.looseObject({ name: z.string() }),
      status: z
        .looseObject({
          conditions: z.array(z.looseObject({ type: z.string(), status: z.string() })).optional(),
          addresses: z.array(z.looseObject({ type: z.string(), address: z.string() })).optional(),
          daemonEndpoints: z
            .looseObject({ kubeletEndpoint: z.looseObject({ Port: z.number().int() }).optional() })
            .optional(),
        })
        .optional(),
    }),
  ),
});

const endpointsObject = z.looseObject({
  subsets: z
    .array(
      z.looseObject({
        addresses: z.array(z.looseObject({ ip: z.string() })).optional(),
        ports: z.array(z.looseObject({ port: z.number().int(), name: z.string().optional() })).optional(),
      }),
    )
    .optional(),
});

export interface DownstreamNode {
  name: string;
  ready: boolean;
}

/** A TLS endpoint whose leaf certificate a rotation renews. `key` stays the same across renewals. */
export interface ServingEndpoint {
  key: string;
  /** "kubelet on cp-1 (10.0.0.1:10250)", for messages. */
  label: string;
  host: string;
  port: number;
}

export interface DownstreamView {
  clusterId: string;
  nodes: DownstreamNode[];
  endpoints: ServingEndpoint[];
}

/** status.clusterName of the provisioning cluster (c-m-…), or why it cannot be used. */
export function downstreamId(c: ProvisioningCluster): string {
  const id = c.status?.clusterName;
  if (!id || !/^[a-z0-9-]{1,63}$/.test(id))
    throw new RancherError(
      `Rancher reports no downstream cluster id (status.clusterName) for ${c.metadata.namespace ? `${c.metadata.namespace}/` : ""}${c.metadata.name}`,
    );
  return id;
}

export async function readDownstream(client: RancherClient, clusterId: string): Promise<DownstreamView> {
  const base = `/k8s/clusters/${encodeURIComponent(clusterId)}/api/v1`;
  const parse = <T>(schema: z.ZodType<T>, json: unknown, what: string): T => {
    const r = schema.safeParse(json);
    if (!r.success) throw new RancherError(`Rancher sent an unexpected ${what}`);
    return r.data;
  };
  const nodesJson = await client.getJson(`${base}/nodes`, `nodes of downstream cluster ${clusterId}`);
  const epJson = await client.getJson(
    `${base}/namespaces/default/endpoints/kubernetes`,
    `kubernetes endpoints of downstream cluster ${clusterId}`,
  );
  const nodes = parse(nodeList, nodesJson, `node list from ${clusterId}`).items;
  const endpoints: ServingEndpoint[] = [];
  for (const s of parse(endpointsObject, epJson, `endpoints object from ${clusterId}`).subsets ?? [])
    for (const a of s.addresses ?? [])
      for (const p of s.ports ?? [])
        endpoints.push({
          key: `kube-apiserver@${a.ip}:${p.port}`,
          label: `kube-apiserver ${a.ip}:${p.port}`,
          host: a.ip,
          port: p.port,
        });
  for (const n of nodes) {
    const ip = n.status?.addresses?.find((x) => x.type === "InternalIP")?.address;
    const port = n.status?.daemonEndpoints?.kubeletEndpoint?.Port;
    const name = n.metadata.name;
    if (ip && port)
      endpoints.push({ key: `kubelet@${name}`, label: `kubelet on ${name} (${ip}:${port})`, host: ip, port });
  }
  return {
    clusterId,
    nodes: nodes.map((n) => ({
      name: n.metadata.name,
      ready: n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
    })),
    endpoints,
  };
}
