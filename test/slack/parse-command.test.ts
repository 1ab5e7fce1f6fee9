import { describe, expect, it } from "vitest";
import { parseCommand } from "../../src/slack/commands/parse-command.js";

/** An operation's subcommand: the registry's kind, the cluster, and the words after it. */
const op = (operation: string, args: string[]) => ({ kind: "operation", operation, cluster: "prod", args });

describe("parseCommand", () => {
  it.each([
    ["", { kind: "help" }],
    ["help", { kind: "help" }],
    ["  HELP  ", { kind: "help" }],
    ["certs", { kind: "certs" }],
    ["certs prod", { kind: "certs", cluster: "prod" }],
    ["certs prod prod-server-2", { kind: "certs", cluster: "prod", node: "prod-server-2" }],
    ["rotate prod", op("rotate", [])],
    ["renew prod", op("renew", [])],
    ["upgrade prod v1.30.4+rke2r1", op("upgrade", ["v1.30.4+rke2r1"])],
    ["upgrade prod stable", op("upgrade", ["stable"])],
    ["upgrade prod stable suc", op("upgrade", ["stable", "suc"])],
    ["upgrade prod v1.31 ssh", op("upgrade", ["v1.31", "ssh"])],
    ["upgrade-plan prod v1.31", { kind: "upgrade-plan", cluster: "prod", target: "v1.31" }],
    ["status", { kind: "status" }],
    ["status prod", { kind: "status", cluster: "prod" }],
    ["cancel op-1a2b3c", { kind: "cancel", operationId: "op-1a2b3c" }],
  ])("parses %j", (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it("keeps explain's text whole, line breaks included", () => {
    const text = "explain 2026-01-01T00:00:00Z E0101 x509: certificate has expired\n  or is not yet valid";
    expect(parseCommand(text)).toEqual({
      kind: "explain",
      text: "2026-01-01T00:00:00Z E0101 x509: certificate has expired\n  or is not yet valid",
    });
  });

  it.each([
    ["frobnicate", /Unknown subcommand `frobnicate`/],
    ["rotate", /`rotate`: missing arguments/],
    ["rotate prod extra", /`rotate`: `extra`: expected services=<service>/],
    ["rotate prod services=etcd extra", /`rotate`: too many arguments/],
    ["rotate Prod_1", /`Prod_1`: expected lowercase letters/],
    ["certs prod Bad_Node", /`Bad_Node`: expected a Kubernetes node name/],
    ["upgrade prod", /`upgrade`: missing arguments/],
    ["upgrade prod stable helm", /`helm`: Invalid option: expected one of "ssh"\|"suc"/],
    ["upgrade prod $(reboot)", /`\$\(reboot\)`: expected a version/],
    ["cancel x", /`x`: expected an operation id/],
    ["explain", /paste the error text/],
    ["certs a b c", /too many arguments/],
  ])("refuses %j with a usage message instead of throwing", (text, message) => {
    const cmd = parseCommand(text);
    expect(cmd.kind).toBe("invalid");
    if (cmd.kind !== "invalid") return;
    expect(cmd.message).toMatch(message);
    expect(cmd.usage).toMatch(/\/rke2/);
  });

  it("never throws, whatever the input", () => {
    for (const text of [
      "\u0000",
      "certs \n\n",
      "🙂",
      "x".repeat(100_000),
      "certs " + "a".repeat(300),
      "upgrade a b c d",
    ])
      expect(() => parseCommand(text)).not.toThrow();
  });
});
