import { z } from "zod";
import { clusterNameSchema, nodeNameSchema } from "../../config/inventory-schema.js";
import { SUBCOMMAND_USAGE, type SubcommandName } from "./usage.js";

/** A parsed `/rke2` command. Malformed input is the `invalid` variant, never a throw. */
export type Rke2Command =
  | { kind: "help" }
  | { kind: "certs"; cluster?: string; node?: string }
  | { kind: "rotate"; cluster: string }
  | { kind: "renew"; cluster: string }
  | { kind: "upgrade"; cluster: string; target: string; method?: "ssh" | "suc" }
  | { kind: "upgrade-plan"; cluster: string; target: string }
  | { kind: "status"; cluster?: string }
  | { kind: "cancel"; operationId: string }
  | { kind: "audit"; target: string }
  | { kind: "explain"; text: string }
  | { kind: "refresh-kubeconfigs"; cluster: string }
  | { kind: "invalid"; message: string; usage: string };

const cluster = clusterNameSchema;
const node = nodeNameSchema;
/** A version (v1.30.4+rke2r1) or a release channel (stable, latest, v1.30). */
const target = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$/,
    "expected a version such as v1.30.4+rke2r1 or a channel such as stable",
  );
const operationId = z.string().regex(/^[a-z0-9-]{4,64}$/, "expected an operation id such as op-1a2b3c");

const argSchemas = {
  certs: z.union([z.tuple([]), z.tuple([cluster]), z.tuple([cluster, node])]),
  rotate: z.tuple([cluster]),
  renew: z.tuple([cluster]),
  "refresh-kubeconfigs": z.tuple([cluster]),
  upgrade: z.union([z.tuple([cluster, target]), z.tuple([cluster, target, z.enum(["ssh", "suc"])])]),
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

export function parseCommand(rawText: string | undefined): Rke2Command {
  const text = (rawText ?? "").trim();
  if (text === "") return { kind: "help" };
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text);
  const word = (match?.[1] ?? "").toLowerCase();
  const rest = match?.[2] ?? "";
  const name: string = ALIASES[word] ?? word;

  if (name === "help") return { kind: "help" };
  if (name === "explain") {
    if (rest.trim() === "") return invalid("explain", "paste the error text after `explain`.");
    return { kind: "explain", text: rest.trim().slice(0, MAX_EXPLAIN_CHARS) };
  }
  if (!isArgCommand(name)) {
    const shown = word.length > 30 ? `${word.slice(0, 30)}…` : word;
    return {
      kind: "invalid",
      message: `Unknown subcommand \`${shown}\`.`,
      usage: Object.values(SUBCOMMAND_USAGE).join("\n"),
    };
  }
  const args = rest.split(/\s+/).filter((a) => a !== "");
  const parsed = argSchemas[name].safeParse(args);
  if (!parsed.success) return invalid(name, describeArgProblem(name, args, parsed.error.issues));
  return toCommand(name, parsed.data as string[]);
}

type ArgCommand = keyof typeof argSchemas;
const isArgCommand = (name: string): name is ArgCommand => Object.hasOwn(argSchemas, name);

function toCommand(name: ArgCommand, a: string[]): Rke2Command {
  const [first, second, third] = a as [string, string, string | undefined];
  switch (name) {
    case "certs":
      return { kind: "certs", ...(first ? { cluster: first } : {}), ...(second ? { node: second } : {}) };
    case "rotate":
    case "renew":
    case "refresh-kubeconfigs":
      return { kind: name, cluster: first };
    case "upgrade":
      return {
        kind: name,
        cluster: first,
        target: second,
        ...(third ? { method: third as "ssh" | "suc" } : {}),
      };
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

function describeArgProblem(name: ArgCommand, args: string[], issues: readonly z.core.$ZodIssue[]): string {
  const expected = SUBCOMMAND_USAGE[name].split(" ").length - 2;
  const optional = (SUBCOMMAND_USAGE[name].match(/\[/g) ?? []).length;
  if (args.length > expected) return `too many arguments (${args.length}).`;
  if (args.length < expected - optional) return "missing arguments.";
  // Unions report their branches' issues nested; find the deepest one that names an argument.
  const flat = flattenIssues(issues);
  const issue = flat.find((i) => typeof i.path[0] === "number") ?? flat[0];
  const index = typeof issue?.path[0] === "number" ? issue.path[0] : 0;
  const value = args[index] ?? "";
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return `\`${shown}\`: ${issue?.message ?? "not valid here"}.`;
}

function flattenIssues(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((i) => (i.code === "invalid_union" ? i.errors.flat().concat(i) : [i]));
}

function invalid(name: SubcommandName, problem: string): Rke2Command {
  return { kind: "invalid", message: `\`${name}\`: ${problem}`, usage: SUBCOMMAND_USAGE[name] };
}
