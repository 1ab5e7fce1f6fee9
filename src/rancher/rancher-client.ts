import type { RancherSpec } from "../config/inventory.js";
import type { Logger } from "../shared/logger.js";
import { httpExchange, readCaBundle, type HttpAnswer } from "./rancher-http.js";
import {
  generationOf,
  provisioningClusterSchema,
  withGeneration,
  type GenerationField,
  type ProvisioningCluster,
} from "./provisioning-cluster.js";

/** Anything Rancher refused or could not be asked; the message is safe to post (no token). */
export class RancherError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "RancherError";
  }
}

export interface RancherClient {
  /** "fleet-default/prod at https://rancher.example" for messages. */
  readonly where: string;
  get(): Promise<ProvisioningCluster>;
  /**
   * Set spec.rkeConfig.<field>.generation to `target` (never +1 on what is there: a repeat after a
   * crash asks for the same generation). The PUT carries the resourceVersion just read, so a
   * concurrent edit answers 409; then re-read and re-apply, at most `conflictRetries` times.
   */
  requestGeneration(
    field: GenerationField,
    target: number,
    services?: string[],
  ): Promise<{ cluster: ProvisioningCluster; conflicts: number; alreadyThere: boolean }>;
  /**
   * GET a path under Rancher's URL with the same token and CA (the downstream cluster's API through
   * Rancher's proxy, /k8s/clusters/<id>/api/v1/…); `what` names it in errors. Parsed JSON.
   */
  getJson(path: string, what: string): Promise<unknown>;
}

export interface RancherClientOptions {
  env?: Readonly<Record<string, string | undefined>>;
  timeoutMs?: number;
  conflictRetries?: number;
  log?: Logger;
}

/**
 * Rancher's Kubernetes proxy to its own (local) cluster: plain Kubernetes semantics for the
 * provisioning object (resourceVersion preconditions, 409 Conflict, Status bodies), which Steve's
 * /v1 API wraps differently. The one place that knows the path.
 */
export const clusterPath = (s: Pick<RancherSpec, "namespace" | "name">): string =>
  `/k8s/clusters/local/apis/provisioning.cattle.io/v1/namespaces/${encodeURIComponent(s.namespace)}/clusters/${encodeURIComponent(s.name)}`;

export function createRancherClient(spec: RancherSpec, o: RancherClientOptions = {}): RancherClient {
  const env = o.env ?? process.env;
  const base = new URL(spec.url);
  // Rancher may sit under a path prefix (https://example.com/rancher).
  const under = (path: string) => new URL(base.origin + base.pathname.replace(/\/$/, "") + path);
  const url = under(clusterPath(spec));
  const where = `${spec.namespace}/${spec.name} at ${base.origin}`;
  let ca: Promise<string> | undefined;

  const token = (): string => {
    const t = env[spec.tokenEnv];
    if (!t) throw new RancherError(`environment variable ${spec.tokenEnv} (the Rancher token) is not set`);
    return t;
  };
  const redact = (s: string, t: string) => s.split(t).join("[redacted]");

  async function exchange(method: "GET" | "PUT", body?: string, to: URL = url): Promise<HttpAnswer> {
    const t = token();
    if (spec.caFile && !ca) ca = readCaBundle(spec.caFile);
    let bundle: string | undefined;
    try {
      bundle = ca ? await ca : undefined;
    } catch (e) {
      ca = undefined;
      throw new RancherError(`cannot read the Rancher CA bundle ${spec.caFile}: ${(e as Error).message}`);
    }
    try {
      const res = await httpExchange(to, {
        method,
        headers: {
          authorization: `Bearer ${t}`,
          accept: "application/json",
          ...(body ? { "content-type": "application/json" } : {}),
        },
        ...(body ? { body } : {}),
        ...(bundle ? { ca: bundle } : {}),
        timeoutMs: o.timeoutMs ?? 30_000,
      });
      return { status: res.status, body: redact(res.body, t) };
    } catch (e) {
      throw new RancherError(`cannot reach Rancher at ${url.origin}: ${redact((e as Error).message, t)}`);
    }
  }

  function refuse(res: HttpAnswer, doing: string, what?: string): never {
    if (res.status === 401 || res.status === 403)
      throw new RancherError(
        `Rancher rejected the token from $${spec.tokenEnv} (HTTP ${res.status}) while ${doing}`,
        res.status,
      );
    if (res.status === 404)
      throw new RancherError(
        what
          ? `Rancher found no ${what} (HTTP 404)`
          : `Rancher has no provisioning cluster ${spec.namespace}/${spec.name}`,
        404,
      );
    throw new RancherError(
      `Rancher answered HTTP ${res.status} while ${doing}: ${statusMessage(res.body)}`,
      res.status,
    );
  }

  function parse(res: HttpAnswer): ProvisioningCluster {
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch {
      throw new RancherError(`Rancher sent something that is not JSON for ${where}`);
    }
    const p = provisioningClusterSchema.safeParse(json);
    if (!p.success) throw new RancherError(`Rancher sent an unexpected cluster object for ${where}`);
    return p.data;
  }

  async function get(): Promise<ProvisioningCluster> {
    const res = await exchange("GET");
    if (res.status !== 200) refuse(res, `reading ${where}`);
    return parse(res);
  }

  return {
    where,
    get,
    async getJson(path, what) {
      const res = await exchange("GET", undefined, under(path));
      if (res.status !== 200) refuse(res, `reading ${what}`, what);
      try {
        return JSON.parse(res.body) as unknown;
      } catch {
        throw new RancherError(`Rancher sent something that is not JSON for ${what}`);
      }
    },
    async requestGeneration(field, target, services) {
      const retries = o.conflictRetries ?? 2;
      for (let conflicts = 0; ; conflicts++) {
        const cur = await get();
        if (generationOf(cur, field) >= target) return { cluster: cur, conflicts, alreadyThere: true };
        const res = await exchange("PUT", JSON.stringify(withGeneration(cur, field, target, services)));
        if (res.status === 200 || res.status === 201)
          return { cluster: parse(res), conflicts, alreadyThere: false };
        if (res.status !== 409 || conflicts >= retries) refuse(res, `updating ${field} of ${where}`);
        o.log?.info({ cluster: where, field, target }, "Rancher object changed under us (409); re-reading");
      }
    },
  };
}

/** The message of a Kubernetes Status body, or the start of whatever came. */
function statusMessage(body: string): string {
  try {
    const j = JSON.parse(body) as { message?: unknown };
    if (typeof j.message === "string") return j.message;
  } catch {
    // not JSON: fall through
  }
  return body.slice(0, 200);
}
