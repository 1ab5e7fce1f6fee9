import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { builtInDefinitions } from "../../src/operations/registry.js";
import { SUBCOMMAND_USAGE } from "../../src/slack/commands/usage.js";

describe("manifest.yml usage_hint", () => {
  const manifest = parse(readFileSync("manifest.yml", "utf8")) as {
    features: { slash_commands: Array<{ usage_hint: string }> };
  };
  const hint = manifest.features.slash_commands[0]!.usage_hint;

  it("lists every subcommand the parser accepts, registered operations included, with the arguments the help shows", () => {
    const entries = hint.split(" | ");
    // Derived from the registry: an operation registered without a manifest edit fails here.
    const operations = builtInDefinitions.flatMap((d) => (d.command ? [d.command.usage] : []));
    expect(operations.length).toBeGreaterThan(0);
    // "/rke2 upgrade <cluster> <version|channel>" → "upgrade <cluster> <version|channel>"
    expect(entries.sort()).toEqual(
      [...Object.values(SUBCOMMAND_USAGE), ...operations].map((u) => u.replace(/^\/rke2 /, "")).sort(),
    );
  });

  it("stays within Slack's limit for a usage hint", () => {
    expect(hint.length).toBeLessThanOrEqual(1000);
  });
});
