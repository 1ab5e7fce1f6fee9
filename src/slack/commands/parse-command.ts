import { z } from "zod";
import { clusterNameSchema, nodeNameSchema } from "../../config/inventory-schema.js";
import { argIssue } from "../../operations/engine/parse-args.js";
import type { OperationKind } from "../../operations/operations-api.js";
import { builtInCommands, type OperationCommand } from "../../operations/registry.js";
import { allSubcommands, SUBCOMMAND_USAGE, type SubcommandName } from "./usage.js";

/** A parsed `/rke2` command. Malformed input is the `invalid` variant, never a throw. */
export type Rke2Command =
  | { kind: "help" }
  | { kind: "certs"; cluster?: string; node?: string }
  /** A registered operation's subcommand: `args` are the words after the cluster, valid for some definition of it. */
  | { kind: "operation"; operation: OperationKind; cluster: string; args: string[] }
  | { kind: "upgrade-plan"; cluster: string; target: string }
  | { kind: "status"; cluster?: string }
  | { kind: "cancel"; operationId: string }
  | { kind: "audit"; target: string }
  | { kind: "explain"; text: string }
  | { kind: "refresh-kubeconfigs"; cluster: string }
  | { kind: "invalid"; message: string; usage: string };

const cluster = clusterNameSchema;
const node = nodeNameSchema;
/** A version (v1.30.4+rke2r1) or a release channel (stable, latest, v1.30), for upgrade-plan. */
const target = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$/,
    "expected a version such as v1.30.4+rke2r1 or a channel such as stable",
  );
const operationId = z.string().regex(/^[a-z0-9-]{4,64}$/, "expected an operation id such as op-1a2b3c");

const argSchemas = {
  certs: z.union([z.tuple([]), z.tuple([cluster]), z.tuple([cluster, node])]),
  "refresh-kubeconfigs": z.tuple([cluster]),
  "upgrade-plan": z.tuple([cluster, target]),
  status: z.union([z.tuple([]), z.tuple([cluster])]),
  cancel: z.tuple([operationId]),
  audit: z.tuple([z.string().regex(/^[a-z0-9-]{1,64}$/, "expected a cluster name or an operation id")]),
} as const;

const ALIASES: Record<string, SubcommandName> = {
  "--help": "help",
  "-h": "help",
  "?": "help",
  cert: "certs",
  certificates: "certs",
};
const MAX_EXPLAIN_CHARS = 8000;

/** `operations`: the registry's subcommands (tests may pass others). */
export function parseCommand(
  rawText: string | undefined,
  operations: readonly OperationCommand[] = builtInCommands(),
): Rke2Command {
  const text = (rawText ?? "").trim();
  if (text === "") return { kind: "help" };
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text);
  const word = (match?.[1] ?? "").toLowerCase();
  const rest = match?.[2] ?? "";
  const name: string = ALIASES[word] ?? word;

  if (name === "help") return { kind: "help" };
  if (name === "explain") {
    if (rest.trim() === "")
      return invalid("explain", SUBCOMMAND_USAGE.explain, "paste the error text after `explain`.");
    return { kind: "explain", text: rest.trim().slice(0, MAX_EXPLAIN_CHARS) };
  }
  const args = rest.split(/\s+/).filter((a) => a !== "");
  const operation = isArgCommand(name) ? undefined : operations.find((o) => o.spec.name === name);
  if (operation) return parseOperation(operation, args);
  if (!isArgCommand(name)) {
    const shown = word.length > 30 ? `${word.slice(0, 30)}…` : word;
    return {
      kind: "invalid",
      message: `Unknown subcommand \`${shown}\`.`,
      usage: allSubcommands(operations)
        .map((c) => c.usage)
        .join("\n"),
    };
  }
  const parsed = argSchemas[name].safeParse(args);
  if (!parsed.success)
    return invalid(
      name,
      SUBCOMMAND_USAGE[name],
      describeArgProblem(SUBCOMMAND_USAGE[name], args, parsed.error.issues),
    );
  return toCommand(name, parsed.data as string[]);
}

/** `<cluster>` then the words some definition of the command (base or variant) accepts. */
function parseOperation(op: OperationCommand, args: string[]): Rke2Command {
  const { name, usage } = op.spec;
  const c = cluster.safeParse(args[0]);
  const rest = args.slice(1);
  const forms = op.argForms.map((f) => f.safeParse(rest));
  if (c.success && forms.some((f) => f.success))
    return { kind: "operation", operation: op.kind, cluster: c.data, args: rest };
  // The base definition's complaint, its argument positions shifted past the cluster.
  const problem = c.success
    ? describeArgProblem(usage, args, forms[0]?.error?.issues ?? [], 1)
    : describeArgProblem(
        usage,
        args,
        c.error.issues.map((i) => ({ ...i, path: [0, ...i.path] })),
      );
  return invalid(name, usage, problem);
}

type ArgCommand = keyof typeof argSchemas;
const isArgCommand = (name: string): name is ArgCommand => Object.hasOwn(argSchemas, name);

function toCommand(name: ArgCommand, a: string[]): Rke2Command {
  const [first, second] = a as [string, string];
  switch (name) {
    case "certs":
      return { kind: "certs", ...(first ? { cluster: first } : {}), ...(second ? { node: second } : {}) };
    case "refresh-kubeconfigs":
      return { kind: name, cluster: first };
    case "upgrade-plan":
      return { kind: name, cluster: first, target: second };
    case "status":
      return first ? { kind: "status", cluster: first } : { kind: "status" };
    case "cancel":
      return { kind: "cancel", operationId: first };
    case "audit":
      return { kind: "audit", target: first };
  }
}

/** Too many / missing arguments from the usage line, else the first argument a schema refused. */
function describeArgProblem(
  usage: string,
  args: string[],
  issues: readonly z.core.$ZodIssue[],
  offset = 0,
): string {
  const expected = usage.split(" ").length - 2;
  const optional = (usage.match(/\[/g) ?? []).length;
  if (args.length > expected) return `too many arguments (${args.length}).`;
  if (args.length < expected - optional) return "missing arguments.";
  const issue = argIssue(issues);
  const index = (typeof issue?.path[0] === "number" ? issue.path[0] : 0) + offset;
  const value = args[index] ?? "";
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return `\`${shown}\`: ${issue?.message ?? "not valid here"}.`;
}

function invalid(name: string, usage: string, problem: string): Rke2Command {
  return { kind: "invalid", message: `\`${name}\`: ${problem}`, usage };
}
