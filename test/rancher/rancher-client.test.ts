import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RancherSpec } from "../../src/config/inventory.js";
import { createRancherClient, RancherError } from "../../src/rancher/rancher-client.js";
import { clusterState } from "../../src/rancher/provisioning-cluster.js";
import { startFakeRancher, type FakeRancher } from "../support/fake-rancher.js";

const TOKEN = "token-abc:s3cr3t-value-never-logged";

describe("Rancher client against a fake Rancher (HTTPS, private CA)", () => {
  let fake: FakeRancher;
  let spec: RancherSpec;
  const env = { RANCHER_TOKEN: TOKEN, WRONG_TOKEN: "token-wrong:nope" };
  beforeAll(async () => {
    fake = await startFakeRancher({ token: TOKEN, name: "prod" });
    spec = {
      url: fake.url,
      tokenEnv: "RANCHER_TOKEN",
      name: "prod",
      namespace: "fleet-default",
      caFile: fake.caFile,
      waitTimeoutSeconds: 60,
    };
  });
  afterAll(() => fake?.close());

  it("reads the provisioning cluster with the bearer token, trusting only the given CA", async () => {
    const c = await createRancherClient(spec, { env }).get();
    expect(c.metadata.name).toBe("prod");
    expect(clusterState(c)).toEqual({ kind: "ready" });
    expect(fake.requests.at(-1)).toMatchObject({ method: "GET", authorized: true, status: 200 });
    // Without the CA bundle the self-signed certificate is refused.
    const { caFile: _drop, ...noCa } = spec;
    await expect(createRancherClient(noCa, { env }).get()).rejects.toThrow(
      /cannot reach Rancher at https:\/\/127\.0\.0\.1/,
    );
  });

  it("names the token's variable on 401, never the token", async () => {
    fake.knobs.echoAuth = true;
    try {
      const err = await createRancherClient({ ...spec, tokenEnv: "WRONG_TOKEN" }, { env })
        .get()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RancherError);
      expect((err as RancherError).message).toBe(
        "Rancher rejected the token from $WRONG_TOKEN (HTTP 401) while reading fleet-default/prod at " +
          new URL(fake.url).origin,
      );
      expect((err as RancherError).status).toBe(401);
      // A body that repeats the header comes back redacted.
      const other = await createRancherClient({ ...spec, name: "other" }, { env })
        .get()
        .catch((e: Error) => e);
      expect((other as Error).message).toBe("Rancher has no provisioning cluster fleet-default/other");
      const put = await createRancherClient({ ...spec, name: "other" }, { env })
        .requestGeneration("rotateCertificates", 1)
        .catch((e: Error) => e);
      expect(String(put)).not.toContain("s3cr3t");
    } finally {
      fake.knobs.echoAuth = false;
    }
  });

  it("says when the token variable is unset", async () => {
    await expect(createRancherClient({ ...spec, tokenEnv: "UNSET_VAR" }, { env }).get()).rejects.toThrow(
      "environment variable UNSET_VAR (the Rancher token) is not set",
    );
  });

  it("sets the generation with the resourceVersion read; a concurrent edit (409) is re-read and re-applied", async () => {
    const client = createRancherClient(spec, { env });
    const before = await client.get();
    const target = (before.spec.rkeConfig?.rotateCertificates?.generation ?? 0) + 1;
    fake.knobs.concurrentEdits = 1;
    const r = await client.requestGeneration("rotateCertificates", target, ["etcd", "kubelet"]);
    expect(r).toMatchObject({ conflicts: 1, alreadyThere: false });
    expect(fake.requests.filter((q) => q.method === "PUT").map((q) => q.status)).toEqual([409, 200]);
    expect(fake.object().spec.rkeConfig.rotateCertificates).toEqual({
      generation: target,
      services: ["etcd", "kubelet"],
    });
    expect(fake.bumps.rotateCertificates).toBe(1);
    // Asking again for the same target changes nothing (a resumed step after a crash).
    const again = await client.requestGeneration("rotateCertificates", target);
    expect(again.alreadyThere).toBe(true);
    expect(fake.bumps.rotateCertificates).toBe(1);
  });

  it("gives up after the retries when every PUT meets a concurrent edit; the echoed token is redacted", async () => {
    const client = createRancherClient(spec, { env, conflictRetries: 2 });
    const target = (fake.object().spec.rkeConfig.etcdSnapshotCreate?.generation ?? 0) + 1;
    const puts = fake.requests.filter((q) => q.method === "PUT").length;
    fake.knobs.concurrentEdits = 3;
    fake.knobs.echoAuth = true;
    try {
      const err = (await client
        .requestGeneration("etcdSnapshotCreate", target)
        .catch((e: Error) => e)) as Error;
      expect(err.message).toMatch(/HTTP 409 .*the object has been modified/);
      expect(err.message).toContain("Bearer [redacted]");
      expect(err.message).not.toContain("s3cr3t");
    } finally {
      fake.knobs.echoAuth = false;
    }
    expect(fake.requests.filter((q) => q.method === "PUT").length - puts).toBe(3);
    expect(fake.object().spec.rkeConfig.etcdSnapshotCreate?.generation).toBe(target - 1);
  });

  it("reports Updating until Rancher has reconciled, then Ready; an Error condition with Rancher's message", async () => {
    const client = createRancherClient(spec, { env });
    const target = (await client.get()).spec.rkeConfig!.etcdSnapshotCreate!.generation! + 1;
    fake.knobs.failWith = { etcdSnapshotCreate: "etcd snapshot failed: no space left on device" };
    await client.requestGeneration("etcdSnapshotCreate", target);
    const states = [];
    for (let i = 0; i < 4; i++) states.push(clusterState(await client.get()).kind);
    expect(states).toEqual(["updating", "updating", "failed", "failed"]);
    expect(clusterState(await client.get())).toEqual({
      kind: "failed",
      message: "Ready: etcd snapshot failed: no space left on device",
    });
  });
});
