import { describe, expect, it } from "vitest";
import { parseInventory } from "../../src/config/load-inventory.js";
import { runScans } from "../../src/scan/scan-run.js";
import { createLogger } from "../../src/shared/logger.js";
import { SshError } from "../../src/ssh/ssh-error.js";
import type { SshExecutor } from "../../src/ssh/ssh-executor.js";
import type { ClusterScan } from "../../src/certs/cert-types.js";
import { ManualClock } from "../support/manual-clock.js";

const KEY = "SHA256:" + "A".repeat(43);
const inventory = parseInventory(
  `clusters:
  - name: prod
    channel: C0PRODOPS
    nodes:
      - { name: s1, host: 127.0.0.1, role: server, hostKey: "${KEY}" }
      - { name: a1, host: 127.0.0.1, role: agent, hostKey: "${KEY}" }
`,
  "/tmp/inv.yaml",
);
// Every node answers "unreachable": the scan still completes, with failed nodes.
const executor: SshExecutor = {
  open: async (n) => {
    throw new SshError("unreachable", n.name, `cannot reach ${n.name}`);
  },
};

describe("runScans: the store and the alerts after a scan", () => {
  it("alerts that cannot be queued are logged and the scan still answers, after the store kept it", async () => {
    const saved: ClusterScan[] = [];
    const lines: string[] = [];
    const out = await runScans({
      inventory,
      executor,
      clock: new ManualClock(),
      logger: createLogger("info", { write: (l: string) => void lines.push(l) }),
      store: { save: async (s) => void saved.push(s) },
      alerts: {
        afterScan: async () => {
          throw new Error("Redis went away");
        },
      },
    });
    expect(out).toHaveLength(1);
    expect(out[0]!.scan.nodes.map((n) => [n.node, n.ok])).toEqual([
      ["s1", false],
      ["a1", false],
    ]);
    expect(saved).toHaveLength(1);
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; err?: { message: string } });
    expect(logged.find((l) => l.msg === "could not queue alerts for this scan")?.err?.message).toBe(
      "Redis went away",
    );
  });

  it("a scan the store could not keep fails (the job's retry decides), though its alerts were planned", async () => {
    let planned = 0;
    await expect(
      runScans({
        inventory,
        executor,
        clock: new ManualClock(),
        logger: createLogger("silent"),
        store: {
          save: async () => {
            throw new Error("OOM command not allowed");
          },
        },
        alerts: { afterScan: async () => void planned++ },
      }),
    ).rejects.toThrow("OOM command not allowed");
    expect(planned).toBe(1);
  });
});
