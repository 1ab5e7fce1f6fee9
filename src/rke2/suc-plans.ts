import { stringify } from "yaml";

/**
 * System Upgrade Controller Plans as the operations guide describes them, pinned to an exact
 * version (spec.version) instead of a channel so that a later release cannot slip in.
 */
export interface SucPlanOptions {
  agentConcurrency: number;
  /** Agents are drained (not only cordoned) before their upgrade, bounded by this timeout. */
  drain?: { timeoutSeconds: number };
}

export function sucPlans(version: string, opts: SucPlanOptions): { server: object; agent: object } {
  const server = {
    apiVersion: "upgrade.cattle.io/v1",
    kind: "Plan",
    metadata: { name: "server-plan", namespace: "system-upgrade" },
    spec: {
      concurrency: 1,
      cordon: true,
      nodeSelector: {
        matchExpressions: [
          { key: "node-role.kubernetes.io/control-plane", operator: "In", values: ["true"] },
        ],
      },
      serviceAccountName: "system-upgrade",
      tolerations: [
        { key: "CriticalAddonsOnly", operator: "Exists" },
        { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
        { key: "node-role.kubernetes.io/etcd", operator: "Exists", effect: "NoExecute" },
      ],
      upgrade: { image: "rancher/rke2-upgrade" },
      version,
    },
  };
  const agent = {
    apiVersion: "upgrade.cattle.io/v1",
    kind: "Plan",
    metadata: { name: "agent-plan", namespace: "system-upgrade" },
    spec: {
      concurrency: opts.agentConcurrency,
      cordon: true,
      nodeSelector: {
        matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" }],
      },
      ...(opts.drain
        ? {
            // SUC's DrainSpec.timeout is a Go time.Duration: nanoseconds in JSON/YAML.
            drain: {
              deleteEmptydirData: true,
              ignoreDaemonSets: true,
              force: false,
              timeout: opts.drain.timeoutSeconds * 1e9,
            },
          }
        : {}),
      prepare: { image: "rancher/rke2-upgrade", args: ["prepare", "server-plan"] },
      serviceAccountName: "system-upgrade",
      upgrade: { image: "rancher/rke2-upgrade" },
      version,
    },
  };
  return { server, agent };
}

/** Both plans as one multi-document YAML file. */
export function sucPlansYaml(version: string, opts: SucPlanOptions): string {
  const { server, agent } = sucPlans(version, opts);
  return `# System Upgrade Controller plans for RKE2 ${version}\n${stringify(server)}---\n${stringify(agent)}`;
}

/** The commands an operator runs around the plans (guide: install, apply, watch, clean up). */
export const SUC_COMMANDS = {
  install:
    "kubectl apply -f https://github.com/rancher/system-upgrade-controller/releases/latest/download/crd.yaml -f https://github.com/rancher/system-upgrade-controller/releases/latest/download/system-upgrade-controller.yaml",
  apply: "kubectl apply -f rke2-upgrade-plans.yaml",
  watch:
    "kubectl get plans -n system-upgrade -w; kubectl get jobs -n system-upgrade -w; kubectl get nodes -o wide -w",
  cleanup:
    "kubectl delete plan -n system-upgrade server-plan agent-plan && kubectl delete -f https://github.com/rancher/system-upgrade-controller/releases/latest/download/system-upgrade-controller.yaml && kubectl delete -f https://github.com/rancher/system-upgrade-controller/releases/latest/download/crd.yaml",
};
