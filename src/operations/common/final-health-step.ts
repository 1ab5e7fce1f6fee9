import { readOnlyStep } from "../engine/definition.js";
import { cleanupActionRecords } from "../engine/step-act.js";
import { readNodeStatuses, readyzOn } from "./cluster-health.js";
import { pollForReadiness } from "./poll.js";

/** Last step of an operation: every inventory node Ready and /readyz ok on every server. */
export const finalHealthStep = readOnlyStep({
  id: "final-health",
  title: "cluster health",
  async verify(ctx) {
    const r = await pollForReadiness(ctx, async () => {
      const st = await readNodeStatuses(ctx.remote);
      if ("error" in st) return { ok: false, why: st.error };
      const notReady = ctx.cluster.nodes
        .filter((n) => !st.nodes.find((s) => s.name === n.name && s.ready))
        .map((n) => n.name);
      if (notReady.length) return { ok: false, why: `not Ready: ${notReady.join(", ")}` };
      for (const s of ctx.cluster.nodes.filter((n) => n.role === "server")) {
        const rz = await readyzOn(ctx.remote, s);
        if (!rz.ok) return { ok: false, why: `/readyz on ${s.name}: ${rz.failed.join(", ")}` };
      }
      return { ok: true, why: `all ${ctx.cluster.nodes.length} nodes Ready, /readyz ok on every server` };
    });
    if (!r.ok) return { ok: false, failure: { message: r.why } };
    // The last step of the operation: the nodes' action records are no longer needed.
    await cleanupActionRecords(ctx);
    return { ok: true, summary: r.why };
  },
});
