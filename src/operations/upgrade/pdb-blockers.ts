/** PodDisruptionBudgets that block draining a node, read from `kubectl get pdb -A -o json` and the node's pods. */

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

interface PdbJson {
  metadata?: { name?: string; namespace?: string };
  spec?: { selector?: LabelSelector | null; maxUnavailable?: unknown; minAvailable?: unknown };
  status?: { disruptionsAllowed?: number };
}

interface PodJson {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{ kind?: string }>;
  };
  status?: { phase?: string };
}

export interface BlockingBudget {
  namespace: string;
  name: string;
  disruptionsAllowed: number;
  /** Pods on the node the budget selects (namespace/name). */
  pods: string[];
}

/** Kubernetes label-selector semantics (policy/v1: an empty selector selects every pod of the namespace). */
export function selects(sel: LabelSelector | null | undefined, labels: Record<string, string>): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]!);
    const ok = { In: inValues, NotIn: !inValues, Exists: has, DoesNotExist: !has }[e.operator];
    if (!ok) return false;
  }
  return true;
}

/** Pods a drain evicts: not DaemonSet-managed (--ignore-daemonsets), not static mirror pods, not finished. */
const evictable = (p: PodJson) =>
  !p.metadata?.ownerReferences?.some((o) => o.kind === "DaemonSet") &&
  !p.metadata?.annotations?.["kubernetes.io/config.mirror"] &&
  p.status?.phase !== "Succeeded" &&
  p.status?.phase !== "Failed";

/** Budgets with 0 allowed disruptions whose selector matches evictable pods on the node. */
export function blockingBudgets(pdbListJson: string, nodePodsJson: string): BlockingBudget[] {
  const pdbs = (JSON.parse(pdbListJson) as { items?: PdbJson[] }).items ?? [];
  const pods = ((JSON.parse(nodePodsJson) as { items?: PodJson[] }).items ?? []).filter(evictable);
  return pdbs.flatMap((b) => {
    const ns = b.metadata?.namespace ?? "default";
    const allowed = b.status?.disruptionsAllowed ?? 0;
    if (allowed > 0) return [];
    const hit = pods.filter(
      (p) =>
        (p.metadata?.namespace ?? "default") === ns && selects(b.spec?.selector, p.metadata?.labels ?? {}),
    );
    return hit.length
      ? [
          {
            namespace: ns,
            name: b.metadata?.name ?? "?",
            disruptionsAllowed: allowed,
            pods: hit.map((p) => `${ns}/${p.metadata?.name ?? "?"}`),
          },
        ]
      : [];
  });
}

/** The guide's advice for a PDB-blocked drain, naming the budgets. */
export function pdbAdvice(node: string, budgets: BlockingBudget[]): string {
  const named = budgets
    .map(
      (b) =>
        `${b.namespace}/${b.name} (ALLOWED DISRUPTIONS ${b.disruptionsAllowed}; selects ${b.pods.join(", ")})`,
    )
    .join("; ");
  return (
    `the drain of ${node} is blocked by PodDisruptionBudget ${named}. ` +
    "Check `kubectl get pdb -A`, raise `maxUnavailable` (or scale the workload up), or remove the budget for the maintenance window, then press *Retry step*. " +
    `${node} was not installed and stays cordoned until then.`
  );
}
