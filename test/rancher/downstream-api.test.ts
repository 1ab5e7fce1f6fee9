import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RancherSpec } from "../../src/config/inventory.js";
import { downstreamId, readDownstream } from "../../src/rancher/downstream-api.js";
import { createRancherClient } from "../../src/rancher/rancher-client.js";
import { readPeerCertificate } from "../../src/rancher/tls-peer-cert.js";
import { parseCertificate } from "../../src/certs/parse-x509.js";
import { startFakeDownstream, type FakeDownstream } from "../support/fake-downstream.js";
import { startFakeRancher, type FakeRancher } from "../support/fake-rancher.js";
import { freePort } from "../support/free-port.js";

const TOKEN = "token-down:secret";

/** The downstream cluster through Rancher's proxy, and its serving certificates on the wire. */
describe("downstream API through a fake Rancher", () => {
  let fake: FakeRancher;
  let plain: FakeRancher;
  let down: FakeDownstream;
  const env = { RANCHER_TOKEN: TOKEN };
  const spec = (f: FakeRancher, name: string): RancherSpec => ({
    url: f.url,
    tokenEnv: "RANCHER_TOKEN",
    name,
    namespace: "fleet-default",
    caFile: f.caFile,
    waitTimeoutSeconds: 60,
  });
  beforeAll(async () => {
    down = await startFakeDownstream({ nodes: ["cp-1", "agent-1"], clusterId: "c-m-zz9" });
    fake = await startFakeRancher({ token: TOKEN, name: "prod", downstream: down });
    plain = await startFakeRancher({ token: TOKEN, name: "bare" });
  });
  afterAll(async () => {
    await Promise.all([fake?.close(), plain?.close()]);
    await down?.close();
  });

  it("finds the cluster id in status.clusterName, lists nodes and endpoints, and reads each leaf", async () => {
    const client = createRancherClient(spec(fake, "prod"), { env });
    const id = downstreamId(await client.get());
    expect(id).toBe("c-m-zz9");
    down.notReady.add("agent-1");
    const view = await readDownstream(client, id);
    down.notReady.clear();
    expect(view.nodes).toEqual([
      { name: "cp-1", ready: true },
      { name: "agent-1", ready: false },
    ]);
    const serials = down.serials();
    expect(view.endpoints.map((e) => e.label).sort()).toEqual(Object.keys(serials).sort());
    expect(view.endpoints.map((e) => e.key)).toEqual([
      expect.stringMatching(/^kube-apiserver@127\.0\.0\.1:\d+$/),
      "kubelet@cp-1",
      "kubelet@agent-1",
    ]);
    for (const e of view.endpoints) {
      const facts = parseCertificate(await readPeerCertificate(e.host, e.port, 2000));
      expect(facts.serial, e.label).toBe(serials[e.label]);
    }
    expect(
      fake.requests.filter((r) => r.path.startsWith("/k8s/clusters/c-m-zz9/")).every((r) => r.authorized),
    ).toBe(true);
  });

  it("says what is missing: no status.clusterName, a cluster id the proxy does not know, a closed port", async () => {
    const bare = createRancherClient(spec(plain, "bare"), { env });
    expect(() => downstreamId({ metadata: { name: "bare", resourceVersion: "1" }, spec: {} })).toThrow(
      "Rancher reports no downstream cluster id (status.clusterName) for bare",
    );
    await expect(readDownstream(bare, "c-m-nope")).rejects.toThrow(
      "Rancher found no nodes of downstream cluster c-m-nope (HTTP 404)",
    );
    const port = await freePort();
    await expect(readPeerCertificate("127.0.0.1", port, 2000)).rejects.toThrow(/ECONNREFUSED/);
  });
});
