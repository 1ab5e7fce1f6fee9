import { describe, expect, it } from "vitest";
import type { ClusterSpec } from "../../src/config/inventory.js";
import type { OperationDefinition } from "../../src/operations/engine/definition.js";
import { pickDefinition } from "../../src/operations/service/request-operation.js";

const def = (kind: string, variantOf?: OperationDefinition["variantOf"]): OperationDefinition =>
  ({ kind, title: kind, ...(variantOf ? { variantOf } : {}) }) as OperationDefinition;

describe("pickDefinition: a request for a command runs the variant that applies to the cluster", () => {
  const upgrade = def("upgrade");
  const suc = def("suc-upgrade", { kind: "upgrade", applies: (_c, args) => args.includes("suc") });
  const defs = new Map([upgrade, suc].map((d) => [d.kind, d]));
  const cluster = { name: "prod" } as ClusterSpec;

  it("runs the base definition when no variant applies", () => {
    expect(pickDefinition(defs, "upgrade", cluster, ["stable"])?.kind).toBe("upgrade");
  });
  it("runs the variant when it applies", () => {
    expect(pickDefinition(defs, "upgrade", cluster, ["stable", "suc"])?.kind).toBe("suc-upgrade");
  });
  it("never runs a variant of another command, and knows no unregistered command", () => {
    expect(pickDefinition(defs, "rotate", cluster, ["suc"])).toBeUndefined();
  });
});
