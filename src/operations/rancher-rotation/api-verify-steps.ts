import { pollForReadiness } from "../common/poll.js";
import { readOnlyStep, type StepDef, type StepOutcome } from "../engine/definition.js";
import { beforeOf, F, policyOf, recordedOnce, type JudgedRecord } from "../rotation/leaf-steps.js";
import { compareLeaves, earliest, verdictReason, type LeafComparison } from "../rotation/renewal.js";
import { inScope, readThroughApi } from "./api-endpoints.js";
import { servicesOf } from "./rancher-steps.js";

/**
 * Before the rotation request, on a Rancher cluster the inventory lists no nodes of: the serial of
 * every serving certificate the downstream API shows (kube-apiserver endpoints, each kubelet), read
 * on the wire. Like record-before, recorded once and never re-read on resume.
 */
export const recordEndpointsStep: StepDef = {
  id: "record-endpoints",
  title: "record serving certificates through Rancher",
  check: recordedOnce,
  async act(ctx) {
    const { view, reads } = await readThroughApi(ctx.cluster, ctx.log);
    const bad = reads.filter((r) => !r.leaf);
    if (reads.length === 0 || bad.length > 0)
      return {
        ok: false,
        failure: {
          message:
            reads.length === 0
              ? `the API of ${view.clusterId} lists no kube-apiserver endpoint and no kubelet to read`
              : `cannot read the serving certificate of ${bad.map((r) => `${r.endpoint.label}: ${r.error}`).join("; ")} (through Rancher's API of ${view.clusterId})`,
        },
      };
    return { ok: true, facts: { [F.before]: reads.map((r) => r.leaf!), downstreamCluster: view.clusterId } };
  },
  async verify(ctx) {
    const before = beforeOf(ctx.facts) ?? [];
    return {
      ok: true,
      summary: `${before.length} serving certificates recorded through Rancher's API (${String(ctx.facts.downstreamCluster)})`,
    };
  },
};

/** What is wrong with one endpoint after the rotation, worded for the operator. */
const problem = (c: LeafComparison, p: ReturnType<typeof policyOf>): string =>
  c.verdict === "missing"
    ? "no certificate read (the API no longer lists it, or it did not answer)"
    : c.verdict === "unchanged"
      ? `unchanged (serial ${c.before.serial}, as before the rotation)`
      : `${verdictReason(c, p)} (serial ${c.after!.serial})`;

/**
 * After Rancher reports the rotation done: every downstream node Ready, and every serving
 * certificate in the rotation's scope renewed by the rotation's rule (rotation/renewal.ts), read on
 * the wire. Poll: kubelets re-issue as their nodes restart. Retry re-checks from scratch.
 */
export const verifyThroughApiStep = readOnlyStep({
  id: "verify-api",
  title: "verify serving certificates through Rancher",
  async verify(ctx) {
    const before = beforeOf(ctx.facts);
    if (!before)
      throw new Error("no serving certificates recorded before the rotation: record-endpoints did not run");
    const services = servicesOf(ctx.op, ctx.cluster);
    const scoped = before.filter((l) => inScope(l, services));
    let last: StepOutcome = { ok: false, failure: { message: "not checked yet" } };
    await pollForReadiness(ctx, async () => {
      let read;
      try {
        read = await readThroughApi(ctx.cluster, ctx.log);
      } catch (e) {
        // Rancher or its proxy not answering is one more thing to wait out, then report.
        const message = `cannot read the downstream cluster through Rancher: ${(e as Error).message}`;
        last = { ok: false, failure: { message } };
        return { ok: false, why: message };
      }
      const { view, reads } = read;
      const p = policyOf(ctx);
      const unready = view.nodes.filter((n) => !n.ready).map((n) => n.name);
      const errors = new Map(reads.filter((r) => r.error).map((r) => [r.endpoint.key, r.error!]));
      const after = reads.flatMap((r) => (r.leaf ? [r.leaf] : []));
      const cmp = compareLeaves(scoped, after, p);
      const bad = cmp
        .filter((c) => c.verdict !== "renewed")
        .map((c) => `${c.before.path}: ${errors.get(c.before.key) ?? problem(c, p)}`);
      if (unready.length > 0) bad.unshift(`node(s) not Ready: ${unready.join(", ")}`);
      if (bad.length > 0) {
        last = {
          ok: false,
          failure: {
            message: `not renewed, checked through Rancher's API of ${view.clusterId}: ${bad.join("; ")}`,
          },
        };
        return { ok: false, why: bad.join("; ") };
      }
      const renewed = cmp.map((c) => c.after!);
      const judged: JudgedRecord = { at: p.now.toISOString(), renewalWindowDays: p.renewalWindowDays };
      const skipped = before.length - scoped.length;
      last = {
        ok: true,
        facts: { [F.after]: renewed, [F.judged]: judged },
        summary:
          `${view.nodes.length} node(s) Ready; ${renewed.length} serving certificate(s) renewed, earliest new expiry ${earliest(renewed)?.notAfter ?? "—"}` +
          (skipped > 0 ? `; ${skipped} not in the rotation's services (${services!.join(", ")})` : ""),
      };
      return { ok: true, why: "renewed" };
    });
    return last;
  },
});
