import { describe, expect, it } from "vitest";
import { buildClusterReport } from "../../src/certs/build-report.js";
import { summaryText } from "../../src/slack/blocks/render-summary.js";
import { parseInventory } from "../../src/config/load-inventory.js";
import type { ScanJobData } from "../../src/scan/scan-requests.js";
import type { ChatMessage } from "../../src/shared/chat-port.js";
import { systemClock } from "../../src/shared/clock.js";
import { silentLogger } from "../../src/shared/logger.js";
import { handleCertsCommand } from "../../src/slack/listeners/handle-certs-command.js";
import type { ListenerDeps } from "../../src/slack/listeners/command-deps.js";

const POLICY = { renewalWindowDays: 120, alertDays: [30] };
const KEY = "SHA256:" + "A".repeat(43);
const inventory = parseInventory(
  `
clusters:
  - name: edge
    channel: C0EDGEOPS
    rancher: { url: https://rancher.example.com, tokenEnv: RANCHER_TOKEN, name: edge }
  - name: prod
    channel: C0PRODOPS
    nodes:
      - { name: prod-1, host: 10.0.0.11, role: server, hostKey: "${KEY}" }
`,
  "/etc/rke2-chatops/inventory.yaml",
);

/** `/rke2 certs` on a Rancher cluster that lists no nodes: a clear answer, and no scan queued. */
describe("/rke2 certs on a Rancher cluster with no SSH nodes", () => {
  const run = async (cluster: string) => {
    const queued: ScanJobData[] = [];
    const acks: ChatMessage[] = [];
    const deps = {
      inventory,
      logger: silentLogger,
      clock: systemClock,
      scans: {
        enqueue: async (d: ScanJobData) => {
          queued.push(d);
          return { kind: "queued" as const };
        },
      },
    } as unknown as ListenerDeps;
    const input = { text: `certs ${cluster}`, userId: "U0ANN", channelId: "C0EDGEOPS", responseUrl: "x" };
    await handleCertsCommand(deps, input, cluster, undefined, async (m) => void acks.push(m!));
    return { queued, text: acks.map((a) => a.text).join("\n") };
  };

  it("says it has no SSH nodes to read and that rotation verifies through Rancher, and queues nothing", async () => {
    const r = await run("edge");
    expect(r.queued).toEqual([]);
    expect(r.text).toContain(
      "edge lists no SSH nodes in the inventory, so there are no certificate files to read",
    );
    expect(r.text).toContain("`/rke2 rotate edge` goes through Rancher and verifies");
  });

  it("still queues the scan of a cluster with nodes", async () => {
    const r = await run("prod");
    expect(r.queued).toHaveLength(1);
    expect(r.text).toContain("Scanning prod (1 node)");
  });

  it("in an answer for every cluster, the one without nodes is not 'all 0 certificates fine'", () => {
    const now = new Date("2026-11-23T08:00:00Z");
    const r = buildClusterReport({ cluster: "edge", scannedAt: now.toISOString(), nodes: [] }, POLICY, now);
    const text = summaryText(r);
    expect(text).toBe(
      ":information_source: *edge*: no SSH nodes in the inventory, no certificate files read; `/rke2 rotate edge` goes through Rancher and verifies through the cluster's API",
    );
    expect(text).not.toContain("fine");
  });
});
