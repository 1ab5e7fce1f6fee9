import { describe, expect, it } from "vitest";
import type { NodeStatus } from "../../../src/operations/common/cluster-health.js";
import { MAX_PROGRESS_NODES, sucProgressLines } from "../../../src/operations/suc-upgrade/suc-progress.js";
import type { JobJson, PlanJson } from "../../../src/operations/suc-upgrade/suc-status.js";
import { checkMessageLimits } from "../../../src/slack/blocks/limits.js";
import { renderThreadNote } from "../../../src/slack/blocks/operation/render-thread-note.js";

const FROM = "v1.33.5+rke2r1";
const TO = "v1.34.8+rke2r1";
const job = (
  node: string,
  state: "active" | "ok" | "failed",
  name = `apply-agent-plan-on-${node}-with-x`,
): JobJson => ({
  metadata: { name, labels: { "upgrade.cattle.io/node": node, "upgrade.cattle.io/plan": "agent-plan" } },
  status:
    state === "active"
      ? { active: 1 }
      : state === "ok"
        ? { succeeded: 1 }
        : { failed: 1, conditions: [{ type: "Failed", status: "True", reason: "DeadlineExceeded" }] },
});
const st = (name: string, v: string, o: Partial<NodeStatus> = {}): NodeStatus => ({
  name,
  kubeletVersion: v,
  ready: true,
  reason: "KubeletReady",
  unschedulable: false,
  ...o,
});
const plan = (applying: string[]): PlanJson => ({
  metadata: { name: "agent-plan" },
  spec: { version: TO },
  status: { latestVersion: TO, applying },
});

describe("SUC live progress table", () => {
  it("one line per node of the plan: its latest job and state, version, Ready, cordoned; the plan's status on top", () => {
    const lines = sucProgressLines({
      planName: "agent-plan",
      target: TO,
      plan: plan(["w-2"]),
      jobs: [job("w-1", "failed", "old-w-1"), job("w-1", "ok"), job("w-2", "active")],
      nodes: ["w-1", "w-2", "w-3", "w-4"],
      statuses: [
        st("w-1", TO),
        st("w-2", FROM, { unschedulable: true }),
        st("w-3", FROM, { ready: false, reason: "NodeStatusUnknown" }),
      ],
    });
    expect(lines).toEqual([
      `*agent-plan* → ${TO} (latest ${TO}): applying on w-2`,
      `1/4 nodes on ${TO}`,
      `• *w-1* · job \`apply-agent-plan-on-w-1-with-x\` succeeded · ${TO} · Ready · schedulable`,
      `• *w-2* · job \`apply-agent-plan-on-w-2-with-x\` active · ${FROM} · Ready · cordoned`,
      `• *w-3* · no job yet · ${FROM} · not Ready (NodeStatusUnknown) · schedulable`,
      `• *w-4* · no job yet · not in the API`,
    ]);
    expect(
      sucProgressLines({
        planName: "agent-plan",
        target: TO,
        plan: undefined,
        jobs: [],
        nodes: [],
        statuses: [],
      })[0],
    ).toBe(`*agent-plan* → ${TO}: plan not found`);
  });

  it("escapes what the cluster says (job names, versions, reasons)", () => {
    const text = sucProgressLines({
      planName: "agent-plan",
      target: TO,
      plan: plan(["<!channel>"]),
      jobs: [job("w-1", "active", "x-<!here>`&")],
      nodes: ["w-1"],
      statuses: [st("w-1", "<@U1>", { ready: false, reason: "<https://evil|x>" })],
    }).join("\n");
    expect(text).not.toMatch(/<[!@h]/);
    expect(text).toContain("x-&lt;!here&gt;'&amp;");
    expect(text).toContain("applying on &lt;!channel&gt;");
    expect(text).toContain("not Ready (&lt;https://evil|x&gt;)");
  });

  it("beyond 40 nodes names the failed and running ones first and counts the rest; the message stays within Block Kit limits", () => {
    const nodes = Array.from(
      { length: 300 },
      (_, i) => `agent-node-with-a-rather-long-name-${String(i).padStart(3, "0")}`,
    );
    const late = nodes[290]!;
    const running = nodes[250]!;
    const lines = sucProgressLines({
      planName: "agent-plan",
      target: TO,
      plan: plan([running]),
      jobs: [...nodes.slice(0, 200).map((n) => job(n, "ok")), job(late, "failed"), job(running, "active")],
      nodes,
      statuses: nodes.map((n, i) => st(n, i < 200 ? TO : FROM)),
    });
    const nodeLines = lines.filter((l) => l.startsWith("• "));
    expect(nodeLines).toHaveLength(MAX_PROGRESS_NODES);
    expect(nodeLines[0]).toContain(`*${late}* · job`);
    expect(nodeLines[0]).toContain("failed");
    expect(nodeLines[1]).toContain(`*${running}* · job`);
    // Then the nodes still to do, before those already done.
    expect(nodeLines[2]).toContain(`*${nodes[200]}* · no job yet`);
    expect(lines[1]).toBe(`200/300 nodes on ${TO}`);
    expect(lines.at(-1)).toBe(`…and 260 more nodes (200 of them on ${TO})`);
    const msg = renderThreadNote({ kind: "progress", phaseTitle: "Agent plan", lines });
    expect(checkMessageLimits(msg)).toEqual([]);
    expect(msg.text).toBe("Agent plan: progress");
  });
});
