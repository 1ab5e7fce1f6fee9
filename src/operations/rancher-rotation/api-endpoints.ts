import { parseCertificate } from "../../certs/parse-x509.js";
import type { ClusterSpec } from "../../config/inventory.js";
import {
  downstreamId,
  readDownstream,
  type DownstreamView,
  type ServingEndpoint,
} from "../../rancher/downstream-api.js";
import { readPeerCertificate } from "../../rancher/tls-peer-cert.js";
import { mapLimit } from "../../shared/map-limit.js";
import type { Logger } from "../../shared/logger.js";
import type { LeafFact } from "../rotation/renewal.js";
import { rancherFor } from "./rancher-steps.js";

/** One handshake's bound: a kubelet that does not answer in this time is reported, not waited on. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface EndpointRead {
  endpoint: ServingEndpoint;
  leaf?: LeafFact;
  error?: string;
}

/** The serving certificate an endpoint presents, as the facts the renewal rule compares. */
async function readEndpoint(ep: ServingEndpoint): Promise<EndpointRead> {
  try {
    const f = parseCertificate(await readPeerCertificate(ep.host, ep.port, HANDSHAKE_TIMEOUT_MS));
    return {
      endpoint: ep,
      leaf: {
        key: ep.key,
        path: ep.label,
        subject: f.subjectCN,
        serial: f.serial,
        fingerprint256: f.fingerprint256,
        ...(f.publicKeySha256 ? { publicKeySha256: f.publicKeySha256 } : {}),
        notBefore: f.notBefore,
        notAfter: f.notAfter,
      },
    };
  } catch (e) {
    return { endpoint: ep, error: `unreachable (${(e as Error).message})` };
  }
}

/** The downstream cluster through Rancher: its nodes, and every serving endpoint's certificate now. */
export async function readThroughApi(
  cluster: ClusterSpec,
  log: Logger,
): Promise<{ view: DownstreamView; reads: EndpointRead[] }> {
  const client = rancherFor(cluster, log);
  const view = await readDownstream(client, downstreamId(await client.get()));
  const reads = await mapLimit(view.endpoints, 16, readEndpoint);
  return { view, reads };
}

/** Does a rotation of `services` (undefined = all) renew this endpoint's certificate? */
export function inScope(ep: Pick<ServingEndpoint, "key">, services: readonly string[] | undefined): boolean {
  if (!services) return true;
  return services.includes(ep.key.startsWith("kubelet@") ? "kubelet" : "api-server");
}
