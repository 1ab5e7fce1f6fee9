import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FakeDownstream } from "./fake-downstream.js";

/**
 * A local HTTPS fake of Rancher's Kubernetes proxy for one provisioning.cattle.io/v1 Cluster.
 * Checks the bearer token, enforces resourceVersion on PUT (409 when stale), and moves the status
 * through Rancher's transitions (Updating → Ready, or an Error condition) as GETs arrive: no timers,
 * so a test decides how far it goes by reading.
 */
type Field = "etcdSnapshotCreate" | "rotateCertificates";
interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
export interface FakeClusterObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion: string; generation: number };
  spec: {
    kubernetesVersion: string;
    rkeConfig: Partial<Record<Field, { generation: number; services?: string[] }>>;
  };
  status: { ready: boolean; clusterName?: string; observedGeneration: number; conditions: Condition[] };
}
export interface FakeRequest {
  method: string;
  path: string;
  authorized: boolean;
  status: number;
}

export interface FakeRancher {
  url: string;
  /** PEM of the server's self-signed certificate: the CA bundle to trust. */
  caFile: string;
  requests: FakeRequest[];
  object(): FakeClusterObject;
  /** PUTs that raised each generation. */
  bumps: Record<Field, number>;
  /** PUTs whose services were these (rotateCertificates). */
  lastServices?: string[];
  /** Knobs. */
  knobs: {
    /** GETs a transition spends in Updating (≥ 1). */
    readsPerStage: number;
    /** The next request of this kind ends with this Error condition instead of Ready. */
    failWith?: Partial<Record<Field, string>>;
    /** The next n PUTs meet a concurrent edit first (their resourceVersion is stale: 409). */
    concurrentEdits: number;
    /** Run when Rancher "rotates" (e.g. rotate the rig's node files); Ready waits for it. */
    onRotate?: () => Promise<void>;
    /** Error bodies repeat the Authorization header (to prove the client redacts it). */
    echoAuth: boolean;
  };
  /** Put the cluster into a state by hand (e.g. Updating for a preflight refusal). */
  setConditions(c: Condition[], observedBehind?: boolean): void;
  close(): Promise<void>;
}

const ready = (): Condition[] => [
  { type: "Ready", status: "True" },
  { type: "Provisioned", status: "True" },
  { type: "Updated", status: "True" },
];

export async function startFakeRancher(o: {
  token: string;
  namespace?: string;
  name?: string;
  /** The downstream cluster its proxy serves (/k8s/clusters/<id>/api/v1/…); renewed by each rotation. */
  downstream?: FakeDownstream;
}): Promise<FakeRancher> {
  const dir = mkdtempSync(join(tmpdir(), "fake-rancher-"));
  const key = join(dir, "key.pem");
  const caFile = join(dir, "cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      key,
      "-out",
      caFile,
    ],
    { stdio: "ignore" },
  );
  const ns = o.namespace ?? "fleet-default";
  const name = o.name ?? "downstream";
  let rv = 100;
  const obj: FakeClusterObject = {
    apiVersion: "provisioning.cattle.io/v1",
    kind: "Cluster",
    metadata: { name, namespace: ns, resourceVersion: String(rv), generation: 3 },
    spec: { kubernetesVersion: "v1.33.5+rke2r1", rkeConfig: { etcdSnapshotCreate: { generation: 4 } } },
    status: {
      ready: true,
      ...(o.downstream ? { clusterName: o.downstream.clusterId } : {}),
      observedGeneration: 3,
      conditions: ready(),
    },
  };
  const touch = () => (obj.metadata.resourceVersion = String(++rv));
  let pending: { field: Field; reads: number; hook?: Promise<void>; hookDone: boolean } | undefined;

  const fake: FakeRancher = {
    url: "",
    caFile,
    requests: [],
    bumps: { etcdSnapshotCreate: 0, rotateCertificates: 0 },
    knobs: { readsPerStage: 2, concurrentEdits: 0, echoAuth: false },
    object: () => structuredClone(obj),
    setConditions(c, observedBehind = false) {
      obj.status.conditions = c;
      obj.status.observedGeneration = obj.metadata.generation - (observedBehind ? 1 : 0);
      touch();
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
        rmSync(dir, { recursive: true, force: true });
      }),
  };

  // One GET's worth of progress on the request Rancher is working on.
  const advance = () => {
    if (!pending) return;
    if (pending.reads === 0) {
      obj.status.observedGeneration = obj.metadata.generation;
      const doing =
        pending.field === "rotateCertificates" ? "rotating certificates" : "creating etcd snapshot";
      obj.status.conditions = [
        { type: "Ready", status: "False", message: `Updating: ${doing}` },
        { type: "Provisioned", status: "True" },
        { type: "Updated", status: "Unknown", message: `configuring bootstrap node(s): ${doing}` },
      ];
      obj.status.ready = false;
      if (pending.field === "rotateCertificates" && (fake.knobs.onRotate || o.downstream)) {
        const p = pending;
        const services = obj.spec.rkeConfig.rotateCertificates?.services;
        p.hook = (async () => {
          await fake.knobs.onRotate?.();
          await o.downstream?.renew(services);
        })().finally(() => (p.hookDone = true));
      } else pending.hookDone = true;
      pending.reads = 1;
      touch();
      return;
    }
    if (!pending.hookDone || pending.reads++ < fake.knobs.readsPerStage) return;
    const failure = fake.knobs.failWith?.[pending.field];
    if (failure) {
      delete fake.knobs.failWith![pending.field];
      obj.status.conditions = [
        { type: "Ready", status: "False", reason: "Error", message: failure },
        { type: "Provisioned", status: "True" },
        { type: "Updated", status: "False", reason: "Error", message: failure },
      ];
    } else {
      obj.status.conditions = ready();
      obj.status.ready = true;
    }
    pending = undefined;
    touch();
  };

  const send = (
    req: IncomingMessage,
    res: ServerResponse,
    code: number,
    body: unknown,
    authorized: boolean,
  ) => {
    fake.requests.push({ method: req.method ?? "", path: req.url ?? "", authorized, status: code });
    res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
  const status = (code: number, reason: string, message: string, req: IncomingMessage) => ({
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    reason,
    code,
    message: fake.knobs.echoAuth ? `${message} (got ${req.headers.authorization ?? "no header"})` : message,
  });

  const server = createServer({ key: readFileSync(key), cert: readFileSync(caFile) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const authorized = req.headers.authorization === `Bearer ${o.token}`;
      if (!authorized) return send(req, res, 401, status(401, "Unauthorized", "Unauthorized", req), false);
      const path = `/k8s/clusters/local/apis/provisioning.cattle.io/v1/namespaces/${ns}/clusters/${name}`;
      const proxied = o.downstream && `/k8s/clusters/${o.downstream.clusterId}`;
      if (proxied && req.method === "GET" && req.url?.startsWith(`${proxied}/`)) {
        const answer = o.downstream!.answer(req.url.slice(proxied.length));
        if (answer !== undefined) return send(req, res, 200, answer, true);
      }
      if (req.url !== path)
        return send(
          req,
          res,
          404,
          status(404, "NotFound", `clusters.provisioning.cattle.io not found`, req),
          true,
        );
      if (req.method === "GET") {
        advance();
        return send(req, res, 200, obj, true);
      }
      if (req.method !== "PUT") return send(req, res, 405, status(405, "MethodNotAllowed", "no", req), true);
      if (fake.knobs.concurrentEdits > 0) {
        fake.knobs.concurrentEdits--;
        touch(); // someone else saved the object just before us
      }
      const body = JSON.parse(Buffer.concat(chunks).toString()) as FakeClusterObject;
      if (body.metadata?.resourceVersion !== obj.metadata.resourceVersion)
        return send(
          req,
          res,
          409,
          status(
            409,
            "Conflict",
            `Operation cannot be fulfilled on clusters.provisioning.cattle.io "${name}": the object has been modified; please apply your changes to the latest version and try again`,
            req,
          ),
          true,
        );
      const before = structuredClone(obj.spec.rkeConfig);
      obj.spec = body.spec; // status is a subresource: a PUT of the object never changes it
      for (const f of ["etcdSnapshotCreate", "rotateCertificates"] as const) {
        if ((body.spec.rkeConfig[f]?.generation ?? 0) > (before[f]?.generation ?? 0)) {
          fake.bumps[f]++;
          if (f === "rotateCertificates") fake.lastServices = body.spec.rkeConfig[f]?.services;
          pending = { field: f, reads: 0, hookDone: false };
        }
      }
      obj.metadata.generation++;
      touch();
      send(req, res, 200, obj, true);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  fake.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
