import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterSpec, Inventory, NodeSpec } from "../../src/config/inventory.js";
import type { StepContext } from "../../src/operations/engine/definition.js";
import { rancherRotateStep, RF } from "../../src/operations/rancher-rotation/rancher-steps.js";
import { systemClock } from "../../src/shared/clock.js";
import { silentLogger } from "../../src/shared/logger.js";
import { startFakeRancher, type FakeRancher } from "../support/fake-rancher.js";

const TOKEN = "token-step:secret";
const ENV = "RKE2_CHATOPS_TEST_STEP_TOKEN";

/**
 * The crash windows of a Rancher request step, driven as the engine drives them after a restart:
 * check() with the facts the intent commit saved, and `resumed` set. The target generation is
 * fixed before the first PUT, so a resumed step never asks Rancher twice.
 */
describe("Rancher generation step: crash-safe by the target recorded before acting", () => {
  let fake: FakeRancher;
  let ctxOf: (facts: Record<string, unknown>, resumed: boolean) => StepContext;
  beforeAll(async () => {
    process.env[ENV] = TOKEN;
    fake = await startFakeRancher({ token: TOKEN, name: "stepc" });
    fake.knobs.readsPerStage = 1;
    const node = { name: "cp-1", role: "server", cluster: "c" } as NodeSpec;
    const cluster = {
      name: "c",
      nodes: [node],
      rancher: {
        url: fake.url,
        tokenEnv: ENV,
        name: "stepc",
        namespace: "fleet-default",
        caFile: fake.caFile,
        waitTimeoutSeconds: 10,
      },
    } as ClusterSpec;
    const inventory = { operations: { pollIntervalSeconds: 0.01 } } as Inventory;
    ctxOf = (facts, resumed) =>
      ({
        op: { params: {} },
        node,
        cluster,
        inventory,
        facts,
        resumed,
        clock: systemClock,
        signal: new AbortController().signal,
        log: silentLogger,
      }) as unknown as StepContext;
  });
  afterAll(() => fake?.close());

  it("crash after the PUT, before the ledger said done: the resumed check finds it done, no second bump", async () => {
    const first = await rancherRotateStep.check(ctxOf({}, false));
    expect(first).toMatchObject({ done: false, facts: { [RF.rotateTarget]: 1 } });
    // The engine commits the intent with these facts, then acts.
    const facts = { ...first.facts };
    expect((await rancherRotateStep.act(ctxOf(facts, false), first)).ok).toBe(true);
    expect(fake.bumps.rotateCertificates).toBe(1);
    // Crash. The next delivery re-checks with what the ledger holds.
    const again = await rancherRotateStep.check(ctxOf(facts, true));
    expect(again).toMatchObject({ done: true, facts: { [RF.rotateTarget]: 1 } });
    const v = await rancherRotateStep.verify(ctxOf(facts, true), again);
    expect(v).toMatchObject({ ok: true });
    expect(fake.bumps.rotateCertificates).toBe(1);
  });

  it("crash after the intent, before the PUT: the resumed step asks for the same target, not one more", async () => {
    const first = await rancherRotateStep.check(ctxOf({}, false));
    const facts = { ...first.facts };
    expect(facts[RF.rotateTarget]).toBe(2);
    // Crash before act. Meanwhile nothing changed in Rancher.
    const again = await rancherRotateStep.check(ctxOf(facts, true));
    expect(again).toMatchObject({ done: false, facts: { [RF.rotateTarget]: 2 } });
    await rancherRotateStep.act(ctxOf(facts, true), again);
    await rancherRotateStep.act(ctxOf(facts, true), again); // even a repeated act asks nothing more
    expect(fake.object().spec.rkeConfig.rotateCertificates?.generation).toBe(2);
    expect(fake.bumps.rotateCertificates).toBe(2);
  });
});
