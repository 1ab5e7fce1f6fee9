import { mkdirSync, writeFileSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import { namespacesAvailable } from "../rig/sim-cluster.js";
import { measureAckLatency } from "./helpers/measure-ack-latency.js";

const ns = namespacesAvailable();
/** RKE2_CHATOPS_BENCH=1: issue 3's full benchmark (50 nodes, 200 requests); otherwise a lighter guard. */
const full = process.env.RKE2_CHATOPS_BENCH === "1";
const shape = full ? { nodes: 50, requests: 200 } : { nodes: 12, requests: 60 };

describe.skipIf(!ns.ok)(`slash command ack latency while a ${shape.nodes}-node scan runs`, () => {
  it(`stays far below Slack's 3-second deadline over ${shape.requests} signed requests`, async () => {
    const r = await measureAckLatency({ redisUrl: `${inject("redisUrl")}/12`, ...shape });
    mkdirSync("test-results", { recursive: true });
    writeFileSync("test-results/ack-latency.json", `${JSON.stringify(r, null, 2)}\n`);
    process.stdout.write(
      `ack latency (ROLE=${r.role}): p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms; ` +
        `${r.duringScan}/${r.requests} sent during the ${r.nodes}-node scan (${Math.round(r.scanMs)} ms)\n`,
    );
    expect(r.duringScan).toBeGreaterThan(0);
    // The target is p99 < 50 ms on a quiet machine; the bound leaves room for a loaded CI machine.
    expect(r.p99Ms).toBeLessThan(1000);
  }, 240_000);
});
