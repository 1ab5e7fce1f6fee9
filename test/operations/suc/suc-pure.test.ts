import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ConfigError } from "../../../src/config/config-error.js";
import { parseInventory } from "../../../src/config/load-inventory.js";
import type { OpRecord } from "../../../src/operations/engine/records.js";
import { sucUpgradeDefinition } from "../../../src/operations/suc-upgrade/suc-definition.js";
import { parseArgs } from "../../../src/operations/engine/parse-args.js";
import type { SucParams } from "../../../src/operations/suc-upgrade/suc-params.js";
import { planSucPhases } from "../../../src/operations/suc-upgrade/suc-phases.js";
import { planYaml } from "../../../src/operations/suc-upgrade/suc-plan-steps.js";
import {
  classifyFailure,
  nodeProgress,
  type JobJson,
} from "../../../src/operations/suc-upgrade/suc-status.js";

const KEY = "SHA256:" + "A".repeat(43);
const TO = "v1.34.8+rke2r1";
const inventoryText = (top: string, own: string) => `
approvals: { approvers: [U0APPROVER1] }
operations: { agentConcurrency: 2, drainTimeoutSeconds: 120 }
upgrade: { ${top} }
clusters:
  - name: prod
    channel: C0PRODOPS
    ${own}
    nodes:
      - { name: cp-1, host: 10.0.0.11, role: server, hostKey: "${KEY}" }
      - { name: cp-2, host: 10.0.0.12, role: server, hostKey: "${KEY}" }
      - { name: w-1, host: 10.0.0.21, role: agent, hostKey: "${KEY}" }
  - name: lab
    channel: C0LABOPS
    nodes:
      - { name: lab-1, host: 10.0.1.11, role: server, hostKey: "${KEY}" }
`;
const inv = (top = "", own = "") =>
  parseInventory(inventoryText(top, own), "/etc/rke2-chatops/inventory.yaml");

const params = (o: Partial<SucParams> = {}): SucParams => ({
  requested: "v1.34",
  target: TO,
  via: "channel v1.34",
  channelUrl: "https://update.rke2.io/v1-release/channels",
  nodes: [
    { node: "cp-1", role: "server", installed: "v1.33.5+rke2r1", kubelet: "v1.33.5+rke2r1", skipped: false },
    { node: "cp-2", role: "server", installed: TO, kubelet: TO, skipped: true },
    { node: "w-1", role: "agent", installed: "v1.33.5+rke2r1", kubelet: "v1.33.5+rke2r1", skipped: false },
  ],
  method: "suc",
  sucInstall: true,
  manifests: { crd: "/opt/suc/crd.yaml", controller: "/opt/suc/system-upgrade-controller.yaml" },
  cordonedBefore: [],
  ...o,
});
interface PlanDoc {
  metadata: unknown;
  spec: Record<string, unknown> & { tolerations?: unknown; channel?: unknown; drain?: unknown };
}
const opWith = (p: SucParams) => ({ id: "suc-x", params: p }) as unknown as OpRecord;

describe("SUC upgrade: inventory keys", () => {
  it("defaults to ssh; a cluster overrides the top-level method and manifests", () => {
    expect(inv().clusters.map((c) => c.upgrade)).toEqual([{ method: "ssh" }, { method: "ssh" }]);
    const i = inv(
      'method: suc, sucManifests: { crd: "https://mirror.example/crd.yaml", controller: "https://mirror.example/suc.yaml" }',
      "upgrade: { method: ssh, sucManifests: { crd: /opt/suc/crd.yaml, controller: /opt/suc/suc.yaml } }",
    );
    expect(i.clusters[0]!.upgrade).toEqual({
      method: "ssh",
      sucManifests: { crd: "/opt/suc/crd.yaml", controller: "/opt/suc/suc.yaml" },
    });
    expect(i.clusters[1]!.upgrade).toEqual({
      method: "suc",
      sucManifests: { crd: "https://mirror.example/crd.yaml", controller: "https://mirror.example/suc.yaml" },
    });
  });

  it("refuses an unknown method and a relative manifest path", () => {
    const bad = (top: string) => {
      try {
        inv(top);
      } catch (err) {
        if (err instanceof ConfigError) return err.problems.join("\n");
        throw err;
      }
      return "";
    };
    expect(bad("method: helm")).toContain('expected "ssh" or "suc"');
    expect(bad("sucManifests: { crd: crd.yaml, controller: /x.yaml }")).toContain("absolute path");
  });

  it("is the upgrade variant for `suc`, or for a suc cluster unless `ssh` is asked for", () => {
    const applies = sucUpgradeDefinition.variantOf!.applies;
    const [ssh] = inv().clusters;
    const [, suc] = inv("method: suc").clusters;
    expect(applies(ssh!, ["v1.34"])).toBe(false);
    expect(applies(ssh!, ["v1.34", "suc"])).toBe(true);
    expect(applies(suc!, ["v1.34"])).toBe(true);
    expect(applies(suc!, ["v1.34", "ssh"])).toBe(false);
    const parse = (args: string[]) => parseArgs(sucUpgradeDefinition, args);
    expect(parse(["v1.34", "suc"])).toEqual({ ok: true, params: { requested: "v1.34" } });
    expect(parse(["v1.34", "x", "y"]).ok).toBe(false);
    expect(parse(["$(reboot)"]).ok).toBe(false);
  });
});

describe("SUC upgrade: plans and phases", () => {
  const i = inv();
  it("server plan: concurrency 1, cordon, the guide's tolerations, pinned with version and no channel", () => {
    const server = parse(planYaml({ op: opWith(params()), inventory: i }, "server")) as PlanDoc;
    expect(server.metadata).toEqual({ name: "server-plan", namespace: "system-upgrade" });
    expect(server.spec).toMatchObject({ concurrency: 1, cordon: true, version: TO });
    expect(server.spec.channel).toBeUndefined();
    expect(server.spec.tolerations).toEqual([
      { key: "CriticalAddonsOnly", operator: "Exists" },
      { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
      { key: "node-role.kubernetes.io/etcd", operator: "Exists", effect: "NoExecute" },
    ]);
    expect(server.spec.drain).toBeUndefined();
  });

  it("agent plan: waits for the server plan, agentConcurrency, drain with the inventory's timeout", () => {
    const agent = parse(planYaml({ op: opWith(params()), inventory: i }, "agent")) as PlanDoc;
    expect(agent.spec).toMatchObject({
      concurrency: 2,
      version: TO,
      prepare: { image: "rancher/rke2-upgrade", args: ["prepare", "server-plan"] },
      drain: { ignoreDaemonSets: true, deleteEmptydirData: true, force: false, timeout: 120e9 },
      nodeSelector: {
        matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" }],
      },
    });
    expect(agent.spec.channel).toBeUndefined();
  });

  it("phases: snapshot (+ install when missing), one wait per node to upgrade, verify and clean-up last", () => {
    const c = i.clusters[0]!;
    const phases = planSucPhases(c, params());
    expect(
      phases.map((p) => [p.id, p.concurrency, p.items.map((x) => `${x.node}:${x.steps.join("+")}`)]),
    ).toEqual([
      ["backup", 1, ["cp-1:snapshot+install-suc"]],
      ["server-plan", 1, ["cp-1:apply-plan+wait-node"]],
      ["agent-plan", 1, ["w-1:apply-plan+wait-node", "cp-1:post-verify+cleanup"]],
    ]);
    expect(planSucPhases(c, params({ sucInstall: false }))[0]!.items[0]!.steps).toEqual(["snapshot"]);
    // Every server already on the target: the server plan is still applied (the agent plan's prepare waits on it).
    const allServersDone = params({
      nodes: params().nodes.map((n) => (n.role === "server" ? { ...n, skipped: true } : n)),
    });
    expect(planSucPhases(c, allServersDone)[1]!.items).toEqual([
      { node: "cp-1", role: "server", steps: ["apply-plan"] },
    ]);
  });
});

describe("SUC upgrade: watching", () => {
  const plan = { metadata: { name: "server-plan" }, spec: { version: TO }, status: { applying: ["cp-1"] } };
  const job = (state: "active" | "ok" | "failed", reason = "BackoffLimitExceeded"): JobJson => ({
    metadata: { name: "apply-server-plan-on-cp-1", labels: { "upgrade.cattle.io/node": "cp-1" } },
    status:
      state === "active"
        ? { active: 1 }
        : state === "ok"
          ? { succeeded: 1 }
          : { failed: 2, conditions: [{ type: "Failed", status: "True", reason }] },
  });
  const st = (v: string, o: { ready?: boolean; unschedulable?: boolean } = {}) => ({
    name: "cp-1",
    kubeletVersion: v,
    ready: o.ready ?? true,
    reason: "KubeletReady",
    unschedulable: o.unschedulable ?? false,
  });

  it("a node is done only on the target, Ready, uncordoned and with no job running", () => {
    expect(nodeProgress("cp-1", TO, undefined, [], st(TO), []).ok).toBe(false);
    expect(nodeProgress("cp-1", TO, plan, [job("active")], st(TO), []).ok).toBe(false);
    expect(nodeProgress("cp-1", TO, plan, [job("ok")], st(TO, { unschedulable: true }), []).ok).toBe(false);
    expect(nodeProgress("cp-1", TO, plan, [job("ok")], st(TO, { unschedulable: true }), ["cp-1"]).ok).toBe(
      true,
    );
    expect(nodeProgress("cp-1", TO, plan, [job("ok")], st(TO, { ready: false }), []).ok).toBe(false);
    const done = nodeProgress("cp-1", TO, plan, [job("ok")], st(TO), []);
    expect(done).toEqual({ ok: true, why: `plan applying on cp-1; job complete; cp-1 ${TO} Ready` });
  });

  it("tells a PDB-blocked drain and a deadline from a backoff failure", () => {
    expect(
      classifyFailure(job("failed"), "Cannot evict pod as it would violate the pod's disruption budget."),
    ).toBe("pdb");
    expect(classifyFailure(job("failed", "DeadlineExceeded"), "")).toBe("deadline");
    expect(classifyFailure(job("failed"), "No space left on device")).toBe("backoff");
  });
});
