import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadInventory } from "../../src/config/load-inventory.js";
import type { Inventory } from "../../src/config/inventory.js";
import { explain, findNamedTarget } from "../../src/explain/explain-use-case.js";
import { systemClock } from "../../src/shared/clock.js";
import { checkMessageLimits } from "../../src/slack/blocks/limits.js";
import { createExplainCommand } from "../../src/slack/extensions/explain-command.js";
import { createSsh2Executor } from "../../src/ssh/ssh2-executor.js";
import { namespacesAvailable, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";

const ns = namespacesAvailable();
if (!ns.ok) console.warn(`skipping explain tests: ${ns.reason}`);

describe.skipIf(!ns.ok)("/rke2 explain with live facts", () => {
  let sim: SimCluster;
  let inventory: Inventory;
  const executor = createSsh2Executor({ connectAttempts: 1 });

  beforeAll(async () => {
    sim = await startSimCluster({
      name: "prod",
      nodes: [
        {
          name: "prod-server-1",
          role: "server",
          certs: { overrides: { "server/tls/serving-kube-apiserver.crt": { notAfterDays: -3 } } },
        },
        { name: "prod-agent-1", role: "agent" },
      ],
    });
    mkdirSync(join(sim.nodes[0]!.dataDir, "server", "tls-1763892000"), { recursive: true });
    inventory = loadInventory(sim.writeInventory());
  });
  afterAll(async () => sim?.stop());

  it("finds the node a pasted log line names", () => {
    const t = findNamedTarget(
      inventory,
      'Nov 23 prod-server-1 rke2[12]: msg="x509: certificate has expired"',
    );
    expect(t?.cluster.name).toBe("prod");
    expect(t?.node?.name).toBe("prod-server-1");
    expect(findNamedTarget(inventory, "prod-server-10 is down")?.node).toBeUndefined();
  });

  it("answers an expired-certificate error with live facts, backups and a rotate button", async () => {
    const text =
      'E1123 08:01:02 prod-server-1 kubelet: Get "https://127.0.0.1:6443": x509: certificate has expired or is not yet valid';
    const answer = await explain(text, { inventory, executor, clock: systemClock });
    expect(answer.recognised && answer.error.id).toBe("cert-expired");
    if (!answer.recognised) throw new Error("unreachable");
    expect(answer.live?.problems.map((p) => `${p.node}:${p.source.path}:${p.status}`)).toContain(
      "prod-server-1:/var/lib/rancher/rke2/server/tls/serving-kube-apiserver.crt:expired",
    );
    expect(answer.live?.backups[0]?.backups.map((b) => b.path)).toEqual([
      "/var/lib/rancher/rke2/server/tls-1763892000",
    ]);

    const msg = await createExplainCommand({ inventory, executor, clock: systemClock })({ text });
    expect(checkMessageLimits(msg)).toEqual([]);
    const json = JSON.stringify(msg.blocks);
    expect(json).toContain("serving-kube-apiserver.crt");
    expect(json).toContain("tls-1763892000");
    expect(json).toContain('"action_id":"rotate-request"');
  });

  it("does not scan when the error needs no live facts", async () => {
    const answer = await explain(
      "prod: Unable to connect to the server: x509: certificate signed by unknown authority",
      {
        inventory,
        executor,
        clock: systemClock,
      },
    );
    expect(answer.recognised && answer.live).toBeUndefined();
  });

  it("says it does not recognise other text, without a guess", async () => {
    const msg = await createExplainCommand({ inventory, executor, clock: systemClock })({
      text: "prod-server-1 disk full",
    });
    expect(msg.text).toMatch(/do not recognise/);
    expect(JSON.stringify(msg.blocks)).not.toContain("rotate-request");
  });
});
