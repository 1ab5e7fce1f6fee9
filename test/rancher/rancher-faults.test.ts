import { readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RancherSpec } from "../../src/config/inventory.js";
import { createRancherClient, RancherError } from "../../src/rancher/rancher-client.js";
import { readPeerCertificate } from "../../src/rancher/tls-peer-cert.js";
import { startFakeRancher, type FakeRancher } from "../support/fake-rancher.js";

const TOKEN = "token-abc:s3cr3t-value-never-logged";
const env = { RANCHER_TOKEN: TOKEN };

/** Production faults on the Rancher and downstream TLS paths: each is a clear error, never a hang or a crash. */
describe("Rancher and downstream endpoints that misbehave", () => {
  let fake: FakeRancher;
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  const listen = async (s: Server) => {
    servers.push(s);
    s.on("connection", (c: Socket) => sockets.push(c));
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    return (s.address() as AddressInfo).port;
  };
  /** Accepts and never speaks. */
  const silent = () => listen(createServer(() => undefined));
  /** Answers whatever comes with raw bytes. */
  const garbage = () =>
    listen(
      createServer((c) => c.once("data", () => c.end(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0a, 0x80])))),
    );
  const spec = (port: number): RancherSpec => ({
    url: `https://127.0.0.1:${port}`,
    tokenEnv: "RANCHER_TOKEN",
    name: "prod",
    namespace: "fleet-default",
    caFile: fake.caFile,
    waitTimeoutSeconds: 60,
  });

  beforeAll(async () => {
    fake = await startFakeRancher({ token: TOKEN, name: "prod" });
  });
  afterAll(async () => {
    for (const c of sockets) c.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await fake?.close();
  });

  it("a Rancher that accepts and never answers fails the request within its timeout, naming Rancher", async () => {
    const port = await silent();
    const err = await createRancherClient(spec(port), { env, timeoutMs: 300 })
      .get()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RancherError);
    expect((err as Error).message).toMatch(/cannot reach Rancher at https:\/\/127\.0\.0\.1:\d+: .*300 ms/);
    expect((err as Error).message).not.toContain("s3cr3t");
  });

  it("raw bytes instead of TLS are a clear error", async () => {
    const port = await garbage();
    await expect(createRancherClient(spec(port), { env, timeoutMs: 2000 }).get()).rejects.toThrow(
      /cannot reach Rancher at https:\/\/127\.0\.0\.1/,
    );
  });

  it("an HTTPS answer that is not JSON is a clear error, not a crash", async () => {
    const dir = dirname(fake.caFile);
    const port = await listen(
      createHttpsServer(
        { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(fake.caFile) },
        (_req, res) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(Buffer.from([0x7b, 0x00, 0xff, 0x22]));
        },
      ),
    );
    const err = await createRancherClient(spec(port), { env, timeoutMs: 2000 })
      .get()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RancherError);
    expect((err as Error).message).toMatch(/Rancher sent something that is not JSON for fleet-default\/prod/);
    expect((err as Error).message).not.toContain("s3cr3t");
  });

  it("a kubelet port that accepts and never speaks TLS, or speaks garbage, is an error with the reason", async () => {
    await expect(readPeerCertificate("127.0.0.1", await silent(), 300)).rejects.toThrow(
      "no TLS handshake within 300 ms",
    );
    await expect(readPeerCertificate("127.0.0.1", await garbage(), 2000)).rejects.toThrow();
  });
});
