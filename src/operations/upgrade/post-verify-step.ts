import { kubectl } from "../../rke2/commands.js";
import { parseReadyz, readNodeStatuses } from "../common/cluster-health.js";
import { pollForReadiness } from "../common/poll.js";
import { readOnlyStep, type StepContext } from "../engine/definition.js";
import { forNodes } from "../common/for-nodes.js";
import { installedVersion } from "./node-versions.js";
import { targetOf } from "./upgrade-params.js";
import { VERIFY_STEP } from "./upgrade-phases.js";
import { cleanupActionRecords } from "../engine/step-act.js";

export interface FinalVersion {
  installed: string;
  kubelet: string;
}

interface PodList {
  items?: Array<{ metadata?: { name?: string }; status?: { phase?: string } }>;
}

/** kube-system pods that are neither Running nor Succeeded. */
export function notRunning(podsJson: string): string[] {
  const items = (JSON.parse(podsJson) as PodList).items ?? [];
  return items
    .filter((p) => !["Running", "Succeeded"].includes(p.status?.phase ?? ""))
    .map((p) => `${p.metadata?.name ?? "?"} (${p.status?.phase ?? "?"})`);
}

async function probe(
  ctx: StepContext,
  target: string,
): Promise<{ ok: boolean; why: string; versions?: Record<string, FinalVersion>; cordoned?: string[] }> {
  const st = await readNodeStatuses(ctx.remote);
  if ("error" in st) return { ok: false, why: st.error };
  const bad: string[] = [];
  const versions: Record<string, FinalVersion> = {};
  const installed = await forNodes(ctx.remote, ctx.cluster.nodes, (n) => installedVersion(ctx.remote, n));
  for (const [i, n] of ctx.cluster.nodes.entries()) {
    const s = st.nodes.find((x) => x.name === n.name);
    const inst = installed[i]!;
    versions[n.name] = { installed: "error" in inst ? "?" : inst.version, kubelet: s?.kubeletVersion ?? "?" };
    if (!s?.ready) bad.push(`${n.name} not Ready`);
    else if (s.kubeletVersion !== target || versions[n.name]!.installed !== target)
      bad.push(`${n.name} runs ${s.kubeletVersion} (rke2 --version ${versions[n.name]!.installed})`);
  }
  if (bad.length) return { ok: false, why: bad.join("; ") };
  for (const s of ctx.cluster.nodes.filter((n) => n.role === "server")) {
    const res = await ctx.remote.run(s, kubectl("get", "--raw", "/readyz?verbose"));
    const rz = parseReadyz(res.code, res.stdout, res.stderr);
    if (!rz.ok) return { ok: false, why: `/readyz on ${s.name}: ${rz.failed.join(", ")}` };
    if (!/\[\+\]etcd ok/.test(res.stdout))
      return { ok: false, why: `/readyz on ${s.name} does not report etcd ok` };
  }
  const pods = await ctx.remote.onAnyServer(kubectl("get", "pods", "-n", "kube-system", "-o", "json"));
  if (pods.code !== 0) return { ok: false, why: `kubectl get pods -n kube-system: exit ${pods.code}` };
  const down = notRunning(pods.stdout);
  if (down.length) return { ok: false, why: `kube-system pods not running: ${down.join(", ")}` };
  const cordoned = st.nodes.filter((n) => n.unschedulable).map((n) => n.name);
  return {
    ok: true,
    why: `all ${ctx.cluster.nodes.length} nodes Ready on ${target}; kube-system pods running; /readyz ok and etcd healthy on every server`,
    versions,
    cordoned,
  };
}

/** Post-upgrade verification, as the guide lists it; polled, since the last node may still be settling. */
export const postVerifyStep = readOnlyStep({
  id: VERIFY_STEP,
  title: "post-upgrade verification",
  async verify(ctx) {
    let last: Awaited<ReturnType<typeof probe>> | undefined;
    const r = await pollForReadiness(ctx, async () => (last = await probe(ctx, targetOf(ctx.op))));
    if (!r.ok) return { ok: false, failure: { message: `post-upgrade verification: ${r.why}` } };
    // The last step of the upgrade: the nodes' action records are no longer needed.
    await cleanupActionRecords(ctx);
    const warnings = (last?.cordoned ?? []).map(
      (n) => `${n} is cordoned (not by this upgrade: its own agents are uncordoned once Ready)`,
    );
    return { ok: true, facts: { finalVersions: last?.versions ?? {} }, summary: r.why, warnings };
  },
});
