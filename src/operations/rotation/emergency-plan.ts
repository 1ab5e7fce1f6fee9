import type { ExpiredCredential } from "../../certs/dark-api.js";
import type { ClusterSpec, Inventory } from "../../config/inventory.js";
import { inlineCode } from "../../shared/mrkdwn.js";
import type { PlanText } from "../engine/records.js";
import { snapshotName } from "./backup-steps.js";
import type { DarkApi } from "./emergency-preflight.js";

const DAY_MS = 86_400_000;
const since = (c: ExpiredCredential, now: Date) =>
  c.state === "expired"
    ? `expired ${c.notAfter.slice(0, 10)} (${Math.max(0, Math.floor((now.getTime() - Date.parse(c.notAfter)) / DAY_MS))} days ago)`
    : `not valid before ${c.notBefore.slice(0, 10)}`;

/**
 * The plan of a break-glass rotation: why the API is down, which checks replace the ones that
 * need it, what backup is taken, where it halts. Same phases and approvals as any rotation.
 */
export function emergencyPlanText(
  opId: string,
  inv: Inventory,
  cluster: ClusterSpec,
  dark: DarkApi,
  kubectlError: string,
  now: Date,
): PlanText {
  const servers = cluster.nodes.filter((n) => n.role === "server").map((n) => n.name);
  const agents = cluster.nodes.filter((n) => n.role === "agent").map((n) => n.name);
  const first = servers[0] ?? "?";
  const why = [...dark.finding.servers].map(
    ([node, creds]) =>
      `• ${node}: ${creds
        .slice(0, 6)
        .map((c) => `${inlineCode(c.path.split("/").pop()!)} ${since(c, now)}`)
        .join(", ")}${creds.length > 6 ? ` and ${creds.length - 6} more` : ""}`,
  );
  const lines = [
    `:rotating_light: *Kubernetes API unusable:* ${dark.finding.sentence}. kubectl on every server answers ${inlineCode(kubectlError)}. The seed's fix for this error is the rotation itself.`,
    "*Expired on the servers:*",
    ...why,
    "*Checks replaced* (node status and /readyz need the API): every node answered over SSH with its pinned host key; `systemctl is-active` on every node; `rke2 certificate check` on every server; etcd health read on the node with the supervisor's credentials where they still work:",
    ...dark.checks,
    `*Phase 1 — Backup* on every server: a tarball of server/tls (a file copy: works with expired certificates). The etcd snapshot \`${snapshotName(opId)}\` is attempted too; it talks to the running rke2-server and may fail while certificates are expired: then the step says why and the tarball is the backup (a rotation does not change etcd data).`,
    `*Phase 2 — Server roll*, one at a time: ${servers.join(" → ")}. Per server: stop, \`rke2 certificate rotate\`, start, verify every leaf renewed. Before stopping ${first} the health gate checks the other servers over SSH (\`systemctl is-active rke2-server\`). Once ${first} is back, its fresh \`rke2.yaml\` must answer (Ready, /readyz): if the API is still unusable, the operation halts there and says so. From then on the usual checks (Ready, /readyz) judge every step.`,
    agents.length > 0
      ? `*Phase 3 — Agents*: ${agents.join(", ")}. Wait up to ${inv.operations.agentRenewalGraceSeconds} s for re-enrolment, then restart rke2-agent where needed and verify.`
      : "*No agents* in this cluster.",
    "Approvals as for any rotation; nothing runs before the first approval.",
  ];
  return {
    summary: `EMERGENCY rotation of ${cluster.name}: the Kubernetes API is unusable. Rotate every leaf certificate: ${servers.length} server(s), ${agents.length} agent(s).`,
    lines,
  };
}
