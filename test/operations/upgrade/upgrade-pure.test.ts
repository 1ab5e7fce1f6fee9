import { describe, expect, it } from "vitest";
import { shellQuote } from "../../../src/ssh/shell-quote.js";
import { installCommand } from "../../../src/operations/upgrade/install-command.js";
import { blockingBudgets, pdbAdvice, selects } from "../../../src/operations/upgrade/pdb-blockers.js";
import { notRunning } from "../../../src/operations/upgrade/post-verify-step.js";
import { parseArgs } from "../../../src/operations/engine/parse-args.js";
import { sucUnavailable, upgradeArgs } from "../../../src/operations/upgrade/upgrade-params.js";
import { planUpgradePhases } from "../../../src/operations/upgrade/upgrade-phases.js";
import { pureCluster, upgradeParamsFor } from "../support/fixtures.js";

describe("installer command", () => {
  it("fills {type} and {version} quoted and runs the whole pipeline in one sh -c", () => {
    const c = installCommand(
      "curl -sfL https://get.rke2.io | INSTALL_RKE2_TYPE={type} INSTALL_RKE2_VERSION={version} sh -",
      "agent",
      "v1.34.8+rke2r1",
    );
    expect(c.line).toBe(
      `sh -c 'curl -sfL https://get.rke2.io | INSTALL_RKE2_TYPE=agent INSTALL_RKE2_VERSION=v1.34.8+rke2r1 sh -'`,
    );
  });
  it("quotes hostile values so they stay one word inside the pipeline", () => {
    const c = installCommand(
      "INSTALL_RKE2_VERSION={version} {version} install.sh",
      "server",
      "v1'; rm -rf / #",
    );
    const inner = `INSTALL_RKE2_VERSION=${shellQuote("v1'; rm -rf / #")} ${shellQuote("v1'; rm -rf / #")} install.sh`;
    expect(c.line).toBe(`sh -c ${shellQuote(inner)}`);
  });
});

describe("target argument", () => {
  const parseUpgradeArgs = (args: string[]) =>
    parseArgs({ args: upgradeArgs, unavailable: sucUnavailable }, args);
  it.each([["v1.34.2+rke2r1"], ["v1.34"], ["stable"], ["latest"]])("accepts %s", (t) =>
    expect(parseUpgradeArgs([t])).toEqual({ ok: true, params: { requested: t } }),
  );
  it.each([[[]], [["a", "b"]], [["$(id)"]], [["-rf"]]])("refuses %j", (args) =>
    expect(parseUpgradeArgs(args).ok).toBe(false),
  );
  it("names the method and refuses suc when no SUC variant took the request", () => {
    expect(parseUpgradeArgs(["stable", "ssh"])).toEqual({
      ok: true,
      params: { requested: "stable", method: "ssh" },
    });
    expect(parseUpgradeArgs(["stable", "suc"])).toEqual({
      ok: false,
      message: "Upgrades through the System Upgrade Controller are not available in this build.",
    });
    expect(parseUpgradeArgs(["stable", "helm"])).toMatchObject({ ok: false, message: /`helm`/ });
  });
});

const pdbList = (items: object[]) => JSON.stringify({ items });
const pods = (items: object[]) => JSON.stringify({ items });
const pod = (ns: string, name: string, labels: Record<string, string>, extra: object = {}) => ({
  metadata: { namespace: ns, name, labels, ...extra },
  status: { phase: "Running" },
});

describe("PDBs blocking a drain", () => {
  const onNode = pods([
    pod("shop", "web-1", { app: "web" }),
    pod("shop", "web-2", { app: "web", tier: "front" }),
    pod("kube-system", "canal-x", { app: "canal" }, { ownerReferences: [{ kind: "DaemonSet" }] }),
    pod(
      "kube-system",
      "kube-proxy-a",
      { app: "kube-proxy" },
      { annotations: { "kubernetes.io/config.mirror": "abc" } },
    ),
  ]);
  it("names budgets with 0 allowed disruptions whose selector matches evictable pods on the node", () => {
    const list = pdbList([
      {
        metadata: { namespace: "shop", name: "web-pdb" },
        spec: { selector: { matchLabels: { app: "web" } } },
        status: { disruptionsAllowed: 0 },
      },
      {
        metadata: { namespace: "shop", name: "roomy" },
        spec: { selector: { matchLabels: { app: "web" } } },
        status: { disruptionsAllowed: 1 },
      },
      {
        metadata: { namespace: "other", name: "web-pdb" },
        spec: { selector: { matchLabels: { app: "web" } } },
        status: { disruptionsAllowed: 0 },
      },
      {
        metadata: { namespace: "kube-system", name: "canal" },
        spec: { selector: { matchLabels: { app: "canal" } } },
        status: { disruptionsAllowed: 0 },
      },
      {
        metadata: { namespace: "kube-system", name: "proxy" },
        spec: { selector: { matchLabels: { app: "kube-proxy" } } },
        status: { disruptionsAllowed: 0 },
      },
      {
        metadata: { namespace: "shop", name: "front" },
        spec: { selector: { matchExpressions: [{ key: "tier", operator: "In", values: ["front"] }] } },
        status: { disruptionsAllowed: 0 },
      },
    ]);
    expect(blockingBudgets(list, onNode)).toEqual([
      { namespace: "shop", name: "web-pdb", disruptionsAllowed: 0, pods: ["shop/web-1", "shop/web-2"] },
      { namespace: "shop", name: "front", disruptionsAllowed: 0, pods: ["shop/web-2"] },
    ]);
  });
  it("selector semantics: empty selects all, null none, NotIn/Exists/DoesNotExist", () => {
    expect(selects({}, { a: "1" })).toBe(true);
    expect(selects(null, { a: "1" })).toBe(false);
    expect(selects({ matchExpressions: [{ key: "a", operator: "NotIn", values: ["2"] }] }, { a: "1" })).toBe(
      true,
    );
    expect(selects({ matchExpressions: [{ key: "a", operator: "Exists" }] }, {})).toBe(false);
    expect(selects({ matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, {})).toBe(true);
  });
  it("advice names the budget and the guide's way out", () => {
    const text = pdbAdvice("agent-2", [
      { namespace: "shop", name: "web-pdb", disruptionsAllowed: 0, pods: ["shop/web-1"] },
    ]);
    expect(text).toContain("shop/web-pdb");
    expect(text).toContain("`kubectl get pdb -A`");
    expect(text).toContain("*Retry step*");
  });
});

describe("post-upgrade checks", () => {
  it("lists kube-system pods that are not running", () => {
    const list = JSON.stringify({
      items: [
        { metadata: { name: "a" }, status: { phase: "Running" } },
        { metadata: { name: "b" }, status: { phase: "Pending" } },
        { metadata: { name: "c" }, status: { phase: "Succeeded" } },
      ],
    });
    expect(notRunning(list)).toEqual(["b (Pending)"]);
  });
});

describe("phase plan", () => {
  const cluster = pureCluster([
    ["s1", "server"],
    ["s2", "server"],
    ["a1", "agent"],
    ["a2", "agent"],
  ]);
  const params = (skipped: string[]) => upgradeParamsFor(cluster, skipped);
  it("snapshot on the first server, servers one at a time, agents at the configured concurrency, verification last", () => {
    const phases = planUpgradePhases(cluster, params(["s1"]), 2);
    expect(
      phases.map((p) => [
        p.id,
        p.concurrency,
        p.items.map((i) => `${i.node}:${i.steps.join(",")}${i.final ? "!" : ""}`),
      ]),
    ).toEqual([
      ["backup", 1, ["s1:snapshot"]],
      ["server-roll", 1, ["s2:install,restart,wait-ready"]],
      [
        "agent-roll",
        2,
        [
          "a1:cordon,drain,install,restart,wait-ready,uncordon",
          "a2:cordon,drain,install,restart,wait-ready,uncordon",
          "s1:post-verify!",
        ],
      ],
    ]);
  });
  it("without agents to upgrade, the verification closes the server roll", () => {
    const phases = planUpgradePhases(cluster, params(["a1", "a2"]), 1);
    expect(phases.map((p) => p.id)).toEqual(["backup", "server-roll"]);
    expect(phases[1]!.items.at(-1)).toMatchObject({ node: "s1", steps: ["post-verify"], final: true });
  });
});
