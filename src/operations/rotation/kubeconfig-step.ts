import { readKubeconfigCopiesCommand, staleCopies } from "../../rke2/kubeconfig-copies.js";
import { readOnlyStep } from "../engine/definition.js";

/** Fact: the `~/.kube/config` copies on this server whose client certificate is not rke2.yaml's. */
export const STALE_KUBECONFIGS = "staleKubeconfigs";

/**
 * After a server's certificates are renewed, find the guide's `cp rke2.yaml ~/.kube/config` copies that
 * still hold the old client certificate. Read through the scan's key-free filter; only fingerprints are
 * compared and only paths recorded. Informational: a failed read warns, it never halts the rotation.
 */
export const kubeconfigCopiesStep = readOnlyStep({
  id: "kubeconfig-copies",
  title: "find stale kubeconfig copies",
  async verify(ctx) {
    const res = await ctx.remote.run(ctx.node, readKubeconfigCopiesCommand(ctx.node.ssh.user));
    if (res.code !== 0)
      return { ok: true, warnings: [`could not read kubeconfig copies (exit ${res.code})`], facts: {} };
    const { stale } = staleCopies(res.stdout);
    const paths = stale.map((c) => c.path);
    return {
      ok: true,
      facts: { [STALE_KUBECONFIGS]: paths },
      summary: paths.length ? `stale kubeconfig copies: ${paths.join(", ")}` : "no stale kubeconfig copies",
    };
  },
});
