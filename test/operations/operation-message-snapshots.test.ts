import { describe, expect, it } from "vitest";
import { expiredApiCredentials, findDarkApi } from "../../src/certs/dark-api.js";
import { parseInventory } from "../../src/config/load-inventory.js";
import type { NodeLedger, OpRecord, StepState } from "../../src/operations/engine/records.js";
import { emergencyPlanText } from "../../src/operations/rotation/emergency-plan.js";
import { leafFacts } from "../../src/operations/rotation/renewal.js";
import { planRotationPhases, rotationPlanText } from "../../src/operations/rotation/rotation-plan.js";
import { buildOperationView } from "../../src/operations/view/operation-view.js";
import type { ChatMessage } from "../../src/shared/chat-port.js";
import { checkMessageLimits } from "../../src/slack/blocks/limits.js";
import { renderOperationMessage } from "../../src/slack/blocks/operation/render-operation-message.js";
import { renderThreadNote } from "../../src/slack/blocks/operation/render-thread-note.js";
import { syntheticScan } from "../slack/helpers/synthetic-scan.js";

// Fixed inputs: every date, id and token is written here, so the snapshots never drift.
const now = new Date("2026-11-23T08:00:00.000Z");
const at = (min: number) => new Date(now.getTime() + min * 60_000).toISOString();
const KEY = "SHA256:" + "A".repeat(43);
const node = (name: string, i: number, role: string) =>
  `      - { name: ${name}, host: 10.0.0.${i}, role: ${role}, hostKey: "${KEY}" }`;
const inv = parseInventory(
  [
    "approvals:",
    "  approvers: [U0APPROVER1, U0APPROVER2]",
    "clusters:",
    "  - name: prod",
    "    channel: C0PRODOPS",
    "    nodes:",
    node("prod-server-1", 11, "server"),
    node("prod-server-2", 12, "server"),
    node("prod-server-3", 13, "server"),
    node("prod-agent-1", 21, "agent"),
    node("prod-agent-2", 22, "agent"),
  ].join("\n"),
  "/etc/rke2-chatops/inventory.yaml",
);
const cluster = inv.clusters[0]!;
// prod-server-2's admin certificate expires in 9 days, the rest of the cluster in 40 or more.
const scan = syntheticScan({ nodes: 5, now, daysFor: (n, f) => (n === 1 && f === 0 ? 9 : 40 + n * 7 + f) });
const OP = "rot-0a1b2c3d";
const phases = planRotationPhases(cluster);
const plan = rotationPlanText(
  OP,
  inv,
  cluster,
  scan.nodes.map((n) => ({ node: n.node, leaves: n.ok ? leafFacts(n.certs) : [] })),
  now,
);

function op(over: Partial<OpRecord>): OpRecord {
  return {
    id: OP,
    kind: "rotate",
    cluster: "prod",
    channel: "C0PRODOPS",
    requestedBy: { userId: "U0REQUESTER" },
    requestedAt: at(0),
    params: {},
    plan,
    phases,
    status: "awaiting-approval",
    phase: 0,
    runSeq: 0,
    version: 1,
    lock: `${OP}:1`,
    phaseTimes: phases.map(() => ({})),
    decisions: [],
    ...over,
  };
}

/** Ledgers where the listed `<node>/<step>` of phase `phaseId` are in the given state. */
function ledgers(phaseId: string, states: Record<string, StepState>): Map<string, NodeLedger> {
  const out = new Map<string, NodeLedger>();
  for (const [key, state] of Object.entries(states)) {
    const [name, step] = key.split("/") as [string, string];
    const led = out.get(name) ?? { node: name, steps: {}, facts: {} };
    led.steps[`${phaseId}/${step}`] = { state, at: at(20), attempts: 1 };
    out.set(name, led);
  }
  return out;
}

const render = (o: OpRecord, nodes = new Map<string, NodeLedger>()): ChatMessage => {
  const msg = renderOperationMessage(buildOperationView(o, nodes, "Certificate rotation"));
  expect(checkMessageLimits(msg)).toEqual([]);
  return msg;
};
const actionIds = (m: ChatMessage) =>
  (m.blocks ?? []).flatMap((b) => (b.type === "actions" ? b.elements.map((e) => e.action_id) : []));

const approvalGate = {
  kind: "approval" as const,
  token: "tok_approve1",
  phase: 0,
  openedAt: at(1),
  expiresAt: at(241),
  required: 2,
  approvals: [{ by: "U0APPROVER1", at: at(5) }],
  approvers: ["U0APPROVER1", "U0APPROVER2"],
};
const serverRoll = {
  phase: 1,
  runSeq: 2,
  phaseTimes: [{ startedAt: at(10), completedAt: at(15) }, { startedAt: at(16) }, {}],
};
const rollDone = {
  "prod-agent-1/record-before": "done",
  "prod-agent-2/record-before": "done",
  ...Object.fromEntries(phases[1]!.items[2]!.steps.map((s) => [`prod-server-1/${s}`, "done"])),
  "prod-server-2/record-before": "done",
  "prod-server-2/stop": "done",
} as const;

const halted = op({
  status: "halted",
  ...serverRoll,
  gate: {
    kind: "failure",
    token: "tok_failure1",
    phase: 1,
    openedAt: at(30),
    expiresAt: at(270),
    approvers: ["U0APPROVER1", "U0APPROVER2"],
  },
  failure: {
    phase: 1,
    node: "prod-server-2",
    step: "rotate",
    message: "`rke2 certificate rotate` exited 1",
    command: "rke2 certificate rotate",
    exitCode: 1,
    stderr: 'level=fatal msg="open /var/lib/rancher/rke2/server/tls: permission denied"',
    backupDir: "/var/lib/rancher/rke2/server/tls-1795420800",
    recovery: ["started rke2-server again"],
    at: at(30),
  },
});
const completed = op({
  status: "completed",
  phase: 2,
  runSeq: 3,
  phaseTimes: phases.map((_, i) => ({ startedAt: at(10 + i * 20), completedAt: at(25 + i * 20) })),
  finishedAt: at(65),
});

describe("operation message snapshots (fixed dates and ids)", () => {
  it("awaiting approval: the plan, the phases, Approve/Reject and who may approve", () => {
    const msg = render(op({ gate: approvalGate }));
    expect(actionIds(msg)).toEqual(["approve", "reject"]);
    expect(msg).toMatchSnapshot();
  });

  it("running: per-node progress of the current phase and the Cancel button", () => {
    const nodes = ledgers("server-roll", { ...rollDone, "prod-server-2/rotate": "intent" });
    const msg = render(op({ status: "running", ...serverRoll }), nodes);
    expect(actionIds(msg)).toEqual(["cancel"]);
    expect(msg).toMatchSnapshot();
  });

  it("halted: the failed step, the restore point and Retry/Abort", () => {
    const nodes = ledgers("server-roll", { ...rollDone, "prod-server-2/rotate": "failed" });
    const msg = render(halted, nodes);
    expect(actionIds(msg)).toEqual(["retry", "abort"]);
    expect(msg).toMatchSnapshot();
  });

  it("completed: every phase done, no buttons", () => {
    const msg = render(completed);
    expect(actionIds(msg)).toEqual([]);
    expect(msg).toMatchSnapshot();
  });

  it("thread notes: the failure (command, stderr, restore point, Retry/Abort) and the completion table", () => {
    const failure = renderThreadNote({ kind: "failure", op: halted });
    expect(checkMessageLimits(failure)).toEqual([]);
    expect(actionIds(failure)).toEqual(["retry", "abort"]);
    expect(failure).toMatchSnapshot();
    const done = renderThreadNote({
      kind: "completion",
      op: completed,
      table: {
        headers: ["node", "role", "before", "after"],
        rows: cluster.nodes.map((n) => [n.name, n.role, "2026-12-02", "2027-11-23"]),
      },
      notes: ["Fresh kubeconfig: `cp /etc/rancher/rke2/rke2.yaml ~/.kube/config` on a server"],
    });
    expect(checkMessageLimits(done)).toEqual([]);
    expect(done).toMatchSnapshot();
  });

  it("dark API: the emergency plan names what expired and which checks replace kubectl's", () => {
    // Every server's admin certificate expired 5 days ago: kubectl is refused everywhere.
    const dark = syntheticScan({ nodes: 5, now, daysFor: (n, f) => (n < 3 && f === 0 ? -5 : 300) });
    const servers = cluster.nodes.filter((n) => n.role === "server").map((n) => n.name);
    const perServer = new Map(
      dark.nodes.filter((n) => n.ok).map((n) => [n.node, expiredApiCredentials(n.certs, now)]),
    );
    const finding = findDarkApi(perServer, servers, now)!;
    const refused = "error: You must be logged in to the server (Unauthorized)";
    const checks = [
      ...servers.map(
        (s) =>
          `• ${s}: rke2-server active; kubectl refused (\`${refused}\`); \`rke2 certificate check\`: client-admin.crt EXPIRED; etcd ok (/readyz read with the supervisor's credentials on the node)`,
      ),
      "• prod-agent-1: rke2-agent active",
      "• prod-agent-2: rke2-agent active",
    ];
    const emergency = emergencyPlanText(OP, inv, cluster, { finding, checks }, refused, now);
    const msg = render(op({ params: { emergency: true }, plan: emergency, gate: approvalGate }));
    expect(JSON.stringify(msg.blocks)).toContain("the admin certificate expired 5 days ago on every server");
    expect(msg).toMatchSnapshot();
  });
});
