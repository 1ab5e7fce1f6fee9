/** One usage line per subcommand; shown by `/rke2 help` and after a malformed command. */
export const SUBCOMMAND_USAGE = {
  help: "/rke2 help",
  certs: "/rke2 certs [cluster] [node]",
  rotate: "/rke2 rotate <cluster>",
  renew: "/rke2 renew <cluster>",
  upgrade: "/rke2 upgrade <cluster> <version|channel> [ssh|suc]",
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
  rotate: "request an approved, phased certificate rotation of a cluster",
  renew:
    "renew the certificates inside the renewal window by an approved rolling restart (keys kept, nothing rotated)",
  upgrade: "request an approved, phased RKE2 upgrade to a version (v1.30.4+rke2r1) or channel (stable)",
  "upgrade-plan": "System Upgrade Controller plans for a target, as a file",
  status: "the running operation and recent audit records",
  cancel: "stop an operation before its next step",
  audit: "the audit trail of a cluster or an operation, as a JSON Lines file with a short summary",
  explain: "explain an RKE2 / Kubernetes certificate error message and how to fix it",
  "refresh-kubeconfigs":
    "approvers: replace stale ~/.kube/config copies on the servers from rke2.yaml, keeping their server:",
};
