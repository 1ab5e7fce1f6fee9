import "reflect-metadata";
import { webcrypto } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:tls";
import * as x509 from "@peculiar/x509";
import { daysFrom, makeCa, type TestCa } from "./make-cert.js";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/**
 * The downstream cluster behind a fake Rancher: its nodes and kubernetes endpoints as the API
 * shows them, each kubelet and the kube-apiserver a real TLS server on 127.0.0.1. renew() swaps
 * their certificates as a rotation does (new serial, not-before = the CA's, not-after = now+365d,
 * rke2-reference.md top), except for the kubelets in keepOld.
 */
export interface FakeDownstream {
  clusterId: string;
  /** The API's answer for a path under /k8s/clusters/<id>, or undefined (404). */
  answer(path: string): unknown;
  /** Endpoint label → current serial (hex), as the bot should read it. */
  serials(): Record<string, string>;
  /** Renew the endpoints a rotation of `services` (undefined = all) touches. */
  renew(services?: readonly string[]): Promise<void>;
  /** Kubelets (by node name) that keep their certificate through renew(). */
  keepOld: Set<string>;
  /** Nodes the API reports not Ready. */
  notReady: Set<string>;
  /** Kubelets (by node name) that drop every connection before the handshake. */
  unreachable: Set<string>;
  close(): Promise<void>;
}

interface Endpoint {
  label: string;
  service: "kubelet" | "api-server";
  node?: string;
  server: Server;
  port: number;
  serial: string;
}

let counter = 0x1000;

async function servingPair(
  ca: TestCa,
  cn: string,
  notAfter: Date,
): Promise<{ key: string; cert: string; serial: string }> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const serial = (counter++).toString(16) + Math.floor(Math.random() * 1e9).toString(16);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: `CN=${cn}`,
    issuer: ca.cert.subject,
    notBefore: ca.cert.notBefore,
    notAfter,
    signingAlgorithm: alg,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: "ip", value: "127.0.0.1" }]),
    ],
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  const key = `-----BEGIN PRIVATE KEY-----\n${der.toString("base64").replace(/(.{64})/g, "$1\n")}\n-----END PRIVATE KEY-----\n`;
  return { key, cert: cert.toString("pem"), serial: cert.serialNumber.toLowerCase().replace(/^0+/, "") };
}

export async function startFakeDownstream(o: {
  nodes: string[];
  clusterId?: string;
}): Promise<FakeDownstream> {
  const now = new Date();
  const ca = await makeCa("rke2-server-ca", daysFrom(now, -400), daysFrom(now, 3000));
  // Before the rotation: 30 days left, inside the renewal window.
  const start = async (label: string, service: Endpoint["service"], node?: string): Promise<Endpoint> => {
    const pair = await servingPair(ca, node ?? "kube-apiserver", daysFrom(now, 30));
    const server = createServer({ key: pair.key, cert: pair.cert });
    server.on("connection", (socket) => {
      if (node && d.unreachable.has(node)) socket.destroy();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as AddressInfo).port;
    return {
      label: label.replace("{port}", String(port)),
      service,
      ...(node ? { node } : {}),
      server,
      port,
      serial: pair.serial,
    };
  };
  const api = await start("kube-apiserver 127.0.0.1:{port}", "api-server");
  const kubelets = await Promise.all(
    o.nodes.map((n) => start(`kubelet on ${n} (127.0.0.1:{port})`, "kubelet", n)),
  );
  const all = [api, ...kubelets];
  const id = o.clusterId ?? "c-m-abc123";
  const d: FakeDownstream = {
    clusterId: id,
    keepOld: new Set(),
    notReady: new Set(),
    unreachable: new Set(),
    answer(path) {
      if (path === "/api/v1/nodes")
        return {
          kind: "NodeList",
          apiVersion: "v1",
          items: kubelets.map((k) => ({
            metadata: { name: k.node },
            status: {
              conditions: [{ type: "Ready", status: d.notReady.has(k.node!) ? "False" : "True" }],
              addresses: [
                { type: "InternalIP", address: "127.0.0.1" },
                { type: "Hostname", address: k.node },
              ],
              daemonEndpoints: { kubeletEndpoint: { Port: k.port } },
            },
          })),
        };
      if (path === "/api/v1/namespaces/default/endpoints/kubernetes")
        return {
          kind: "Endpoints",
          apiVersion: "v1",
          metadata: { name: "kubernetes", namespace: "default" },
          subsets: [
            { addresses: [{ ip: "127.0.0.1" }], ports: [{ name: "https", port: api.port, protocol: "TCP" }] },
          ],
        };
      return undefined;
    },
    serials: () => Object.fromEntries(all.map((e) => [e.label, e.serial])),
    async renew(services) {
      for (const e of all) {
        if (services && !services.includes(e.service)) continue;
        if (e.node && d.keepOld.has(e.node)) continue;
        const pair = await servingPair(ca, e.node ?? "kube-apiserver", daysFrom(new Date(), 365));
        e.server.setSecureContext({ key: pair.key, cert: pair.cert });
        e.serial = pair.serial;
      }
    },
    close: async () => {
      await Promise.all(all.map((e) => new Promise<void>((r) => e.server.close(() => r()))));
    },
  };
  return d;
}
