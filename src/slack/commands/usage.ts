import { builtInCommands, type OperationCommand } from "../../operations/registry.js";

/**
 * One usage line per subcommand that is not an operation; shown by `/rke2 help` and after a
 * malformed command. Operations bring theirs in their definition (src/operations/registry.ts).
 */
export const SUBCOMMAND_USAGE = {
  help: "/rke2 help",
  certs: "/rke2 certs [cluster] [node]",
  "upgrade-plan": "/rke2 upgrade-plan <cluster> <version|channel>",
  status: "/rke2 status [cluster]",
  cancel: "/rke2 cancel <operation-id>",
  audit: "/rke2 audit <cluster|operation-id>",
  explain: "/rke2 explain <pasted error text>",
  "refresh-kubeconfigs": "/rke2 refresh-kubeconfigs <cluster>",
} as const;

export type SubcommandName = keyof typeof SUBCOMMAND_USAGE;

export const SUBCOMMAND_SUMMARY: Record<SubcommandName, string> = {
  help: "this list",
  certs: "scan certificates and show them worst first (all clusters, one cluster, or one node)",
  "upgrade-plan": "System Upgrade Controller plans for a target, as a file",
  status: "the running operation and recent audit records",
  cancel: "stop an operation before its next step",
  audit: "the audit trail of a cluster or an operation, as a JSON Lines file with a short summary",
  explain: "explain an RKE2 / Kubernetes certificate error message and how to fix it",
  "refresh-kubeconfigs":
    "approvers: replace stale ~/.kube/config copies on the servers from rke2.yaml, keeping their server:",
};

export interface SubcommandHelp {
  name: string;
  usage: string;
  summary: string;
}

/**
 * Every subcommand in help order: help and certs, the operations in registry order, then the rest.
 * Throws when an operation takes the name of a subcommand that is not one (it could never be typed).
 */
export function allSubcommands(ops: readonly OperationCommand[] = builtInCommands()): SubcommandHelp[] {
  const taken = ops.find((o) => Object.hasOwn(SUBCOMMAND_USAGE, o.spec.name));
  if (taken)
    throw new Error(`operation ${taken.kind}: subcommand "${taken.spec.name}" is already a /rke2 subcommand`);
  const base = (name: SubcommandName): SubcommandHelp => ({
    name,
    usage: SUBCOMMAND_USAGE[name],
    summary: SUBCOMMAND_SUMMARY[name],
  });
  const rest = (Object.keys(SUBCOMMAND_USAGE) as SubcommandName[]).filter(
    (n) => n !== "help" && n !== "certs",
  );
  return [
    base("help"),
    base("certs"),
    ...ops.map((o) => ({ name: o.spec.name, usage: o.spec.usage, summary: o.spec.summary })),
    ...rest.map(base),
  ];
}
