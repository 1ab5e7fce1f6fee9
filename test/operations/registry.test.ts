import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createOperations, type OperationsDeps } from "../../src/main/create-operations.js";
import type { OperationDefinition, StepDef } from "../../src/operations/engine/definition.js";
import { planProblems } from "../../src/operations/engine/plan-check.js";
import type { PlannedPhase } from "../../src/operations/engine/records.js";
import { builtInDefinitions, checkRegistry, operationCommands } from "../../src/operations/registry.js";
import { planRancherPhases } from "../../src/operations/rancher-rotation/rancher-plan.js";
import { planRenewPhases } from "../../src/operations/renew/renew-plan.js";
import { planSucPhases } from "../../src/operations/suc-upgrade/suc-phases.js";
import { planRotationPhases } from "../../src/operations/rotation/rotation-plan.js";
import { planUpgradePhases } from "../../src/operations/upgrade/upgrade-phases.js";
import { silentLogger } from "../../src/shared/logger.js";
import { parseCommand } from "../../src/slack/commands/parse-command.js";
import { allSubcommands } from "../../src/slack/commands/usage.js";
import { pureCluster, serversOf, upgradeParamsFor } from "./support/fixtures.js";

const cluster = pureCluster([
  ["s1", "server"],
  ["s2", "server"],
  ["s3", "server"],
  ["a1", "agent"],
  ["a2", "agent"],
]);
/** No agents: the final checks close the server phase instead. */
const serversOnly = serversOf(cluster);
const upgradeParams = upgradeParamsFor(cluster);
const serverParams = upgradeParamsFor(serversOnly);

/** Each registered kind's plans, built the way its preflight builds them (every option that changes the steps). */
const plansOf: Record<string, () => PlannedPhase[][]> = {
  rotate: () => [planRotationPhases(cluster), planRotationPhases(serversOnly)],
  upgrade: () => [
    planUpgradePhases(cluster, upgradeParams, 1),
    planUpgradePhases(cluster, upgradeParams, 2),
    planUpgradePhases(serversOnly, serverParams, 1),
  ],
  "rancher-rotate": () => [
    planRancherPhases(cluster),
    planRancherPhases(serversOnly),
    planRancherPhases({ ...cluster, nodes: [] }),
  ],
  "suc-upgrade": () =>
    [true, false].flatMap((sucInstall) => [
      planSucPhases(cluster, { ...upgradeParams, method: "suc", sucInstall, cordonedBefore: [] }),
      planSucPhases(serversOnly, { ...serverParams, method: "suc", sucInstall, cordonedBefore: [] }),
    ]),
  renew: () => [
    planRenewPhases(cluster, true),
    planRenewPhases(cluster, false),
    planRenewPhases(serversOnly, false),
  ],
};

const step = (id: string, extra: Partial<StepDef> = {}): StepDef => ({
  id,
  title: id,
  check: async () => ({ done: true }),
  act: async () => ({ ok: true }),
  verify: async () => ({ ok: true }),
  ...extra,
});
const fake = (kind: string, over: Partial<OperationDefinition> = {}): OperationDefinition => ({
  kind,
  idPrefix: kind
    .replace(/[^a-z]/g, "")
    .slice(-8)
    .padEnd(2, "q"),
  title: kind,
  command: {
    name: kind,
    usage: `/rke2 ${kind} <cluster>`,
    summary: kind,
    preparing: (c) => `Preparing ${c}…`,
  },
  args: z.tuple([]).transform(() => ({})),
  preflight: async () => ({ ok: false, problems: ["not used"] }),
  phases: [{ id: "p", title: "P", steps: [step("a"), step("b", { retryFrom: "a" })], report: () => [] }],
  completion: () => ({ table: { headers: [], rows: [] }, notes: [] }),
  ...over,
});

describe("the operation registry", () => {
  it("has a plan builder in this test for every registered operation", () => {
    expect(Object.keys(plansOf).sort()).toEqual(builtInDefinitions.map((d) => d.kind).sort());
  });

  it.each(builtInDefinitions.map((d) => [d.kind, d] as const))(
    "%s: every phase and step its plans name exists in the definition",
    (kind, def) => {
      const plans = plansOf[kind]!();
      for (const phases of plans) {
        expect(phases.length).toBeGreaterThan(0);
        expect(planProblems(def, phases)).toEqual([]);
      }
      // Every step the definition declares is planned somewhere (no dead step ids).
      const planned = new Set(
        plans.flat().flatMap((p) => p.items.flatMap((i) => i.steps.map((s) => `${p.id}/${s}`))),
      );
      for (const p of def.phases) for (const s of p.steps) expect(planned).toContain(`${p.id}/${s.id}`);
    },
  );

  it("accepts the built-in definitions: unique kinds, id prefixes, subcommands, phase and step ids", () => {
    const map = checkRegistry(builtInDefinitions);
    expect([...map.keys()]).toEqual(["rotate", "upgrade", "renew", "rancher-rotate", "suc-upgrade"]);
    expect(builtInDefinitions.map((d) => d.idPrefix)).toEqual(["rot", "upg", "ren", "rrot", "suc"]);
  });

  it.each([
    ["a duplicate kind", [fake("x"), fake("x", { idPrefix: "y", command: undefined })], /duplicate kind "x"/],
    [
      "a duplicate id prefix",
      [fake("xa", { idPrefix: "xx" }), fake("xb", { idPrefix: "xx" })],
      /duplicate id prefix "xx"/,
    ],
    [
      "a duplicate subcommand",
      [fake("xa"), fake("xb", { command: { ...fake("xa").command!, name: "xa" } })],
      /duplicate subcommand "xa"/,
    ],
    [
      "a duplicate step id",
      [fake("x", { phases: [{ ...fake("x").phases[0]!, steps: [step("a"), step("a")] }] })],
      /duplicate step "a" in phase "p"/,
    ],
    [
      "a duplicate phase id",
      [fake("x", { phases: [fake("x").phases[0]!, fake("x").phases[0]!] })],
      /duplicate phase "p"/,
    ],
    [
      "a retryFrom naming no step",
      [fake("x", { phases: [{ ...fake("x").phases[0]!, steps: [step("a", { retryFrom: "zz" })] }] })],
      /retries from unknown step "zz"/,
    ],
    ["a definition without a command", [fake("x", { command: undefined })], /x has no command/],
    [
      "a variant of an unregistered command",
      [fake("x", { command: undefined, variantOf: { kind: "nope", applies: () => true } })],
      /variant of "nope", which is no registered command/,
    ],
    [
      "a variant with a subcommand of its own",
      [fake("xa"), fake("xb", { variantOf: { kind: "xa", applies: () => true } })],
      /xb is a variant of xa: it runs under that subcommand/,
    ],
    ["a bad id prefix", [fake("x", { idPrefix: "X-" })], /id prefix "X-"/],
  ])("refuses %s with a clear error", (_what, defs, message) => {
    expect(() => checkRegistry(defs)).toThrow(message);
  });

  it("refuses a duplicate at startup, before anything is built", () => {
    // A real, never-connected client; the proxy records every use the composition makes of it.
    const client = new Redis({ lazyConnect: true, port: 1 });
    const touched: PropertyKey[] = [];
    const redis = new Proxy(client, {
      get(target, key, receiver) {
        touched.push(key);
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const deps = {
      inventory: { audit: { retentionDays: 1 }, clusters: [] },
      redis,
      logger: silentLogger,
      definitions: [builtInDefinitions[0]!, builtInDefinitions[0]!],
    } as unknown as OperationsDeps;
    expect(() => createOperations(deps)).toThrow(/operation registry: duplicate kind "rotate"/);
    // No ledger script, no duplicated connection, no BullMQ queue was made from it.
    expect(touched).toEqual([]);
    expect(client.status).toBe("wait");
    client.disconnect();
  });

  it("finds a plan naming a step the definition lacks", () => {
    const plan: PlannedPhase[] = [
      { id: "p", title: "P", concurrency: 1, items: [{ node: "s1", role: "server", steps: ["a", "nope"] }] },
      { id: "q", title: "Q", concurrency: 1, items: [] },
    ];
    expect(planProblems(fake("x"), plan)).toEqual([
      'x: the plan names step "nope" in phase "p", which the definition does not have',
      'x: the plan names phase "q", which the definition does not have',
    ]);
  });

  it("drives the parser and the help: a registered operation is a subcommand, its variants add argument forms", () => {
    const extra = fake("drain-all");
    const variant = fake("drain-all-fast", {
      command: undefined,
      variantOf: { kind: "drain-all", applies: (_c, args) => args[0] === "fast" },
      args: z.tuple([z.literal("fast")]).transform(() => ({ fast: true })),
    });
    const ops = operationCommands([...builtInDefinitions, extra, variant]);
    expect(parseCommand("drain-all prod", ops)).toEqual({
      kind: "operation",
      operation: "drain-all",
      cluster: "prod",
      args: [],
    });
    expect(parseCommand("drain-all prod fast", ops)).toEqual({
      kind: "operation",
      operation: "drain-all",
      cluster: "prod",
      args: ["fast"],
    });
    expect(parseCommand("drain-all prod", operationCommands(builtInDefinitions))).toMatchObject({
      kind: "invalid",
      message: "Unknown subcommand `drain-all`.",
    });
    expect(allSubcommands(ops).map((c) => c.name)).toContain("drain-all");
    expect(allSubcommands(ops).map((c) => c.name)).not.toContain("drain-all-fast");
    // A subcommand the parser keeps for itself cannot be an operation's.
    expect(() => allSubcommands(operationCommands([fake("status")]))).toThrow(
      /"status" is already a \/rke2 subcommand/,
    );
  });
});
