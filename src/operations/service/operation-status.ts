import { escapeMrkdwn } from "../../shared/mrkdwn.js";
import type { Outcome } from "../operations-api.js";
import type { AuditEntry, OpRecord } from "../engine/records.js";
import { progressLines, statusLine } from "../view/operation-view.js";
import type { ServiceDeps } from "./service-deps.js";

/** Step and failure entries quote node output: escaped. Decisions are our own text with mentions. */
const auditText = (e: AuditEntry) =>
  e.kind === "step" || e.kind === "failure" ? escapeMrkdwn(e.text) : e.text;

const auditLine = (e: AuditEntry) =>
  `\`${e.at.slice(11, 19)}\` ${e.by ? `<@${e.by}> ` : ""}${e.node ? `${e.node}: ` : ""}${auditText(e)}`;

/** `/rke2 status [cluster]`: the active operation with per-node progress and its latest audit entries. */
export async function operationStatus(d: ServiceDeps, cluster?: string): Promise<Outcome> {
  const clusters = cluster ? d.inventory.clusters.filter((c) => c.name === cluster) : d.inventory.clusters;
  if (cluster && clusters.length === 0)
    return { ok: false, message: `Unknown cluster \`${escapeMrkdwn(cluster)}\`.` };
  const out: string[] = [];
  for (const c of clusters) {
    const ids = await d.ledger.recentOps(c.name, 5);
    const ops = (await Promise.all(ids.map((id) => d.ledger.get(id)))).filter((o): o is OpRecord => !!o);
    const active = ops.find((o) => !o.finishedAt);
    if (!active) {
      const last = ops[0];
      out.push(
        `*${c.name}*: no operation in progress${last ? `; last: ${last.id} (${last.kind}) ${statusLine(last)}` : ""}.`,
      );
      continue;
    }
    const [nodes, audit] = await Promise.all([d.ledger.nodes(active.id), d.ledger.audit(active.id, 8)]);
    out.push(
      `*${c.name}*: ${active.id} (${active.kind}, requested by <@${active.requestedBy.userId}>) ${statusLine(active)}`,
    );
    out.push(...progressLines(active, nodes).map((l) => `• ${l}`), ...audit.map(auditLine));
  }
  return { ok: true, message: out.join("\n") };
}
