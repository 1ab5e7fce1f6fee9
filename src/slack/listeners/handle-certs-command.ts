import { resolveScanTarget } from "../../scan/scan-inventory.js";
import { renderNotice } from "../blocks/render-notice.js";
import { plural } from "../blocks/format-cert.js";
import type { ScanAdmission } from "../../scan/scan-requests.js";
import type { ChatMessage } from "../../shared/chat-port.js";
import type { Ack, ListenerDeps, SlashInput } from "./command-deps.js";

/**
 * `/rke2 certs [cluster] [node]`: refuse unknown names at once (listing the valid ones), otherwise
 * queue the scan (or join the one running for the same scope, or refuse a user over
 * `limits.scansPerUserPerMinute`) and ack what happened; the scan worker answers through the response_url.
 */
export async function handleCertsCommand(
  deps: ListenerDeps,
  input: SlashInput,
  cluster: string | undefined,
  node: string | undefined,
  ack: Ack,
): Promise<void> {
  const target = resolveScanTarget(deps.inventory, cluster, node);
  if (!target.ok) {
    await ack(
      renderNotice(`${capitalise(target.message)}. Usage: /rke2 certs [cluster] [node]`, {
        emoji: ":warning:",
      }),
    );
    return;
  }
  const only = target.clusters.length === 1 ? target.clusters[0]! : undefined;
  if (only && only.nodes.length === 0) {
    // Only a Rancher cluster may list no nodes (config schema): nothing to read over SSH.
    await ack(
      renderNotice(
        `${only.name} lists no SSH nodes in the inventory, so there are no certificate files to read. Rancher provisions it: \`/rke2 rotate ${only.name}\` goes through Rancher and verifies the renewed certificates through the cluster's API. List its nodes in the inventory to scan them here.`,
        { emoji: ":information_source:" },
      ),
    );
    return;
  }
  const nodes = target.clusters.reduce((n, c) => n + c.nodes.length, 0);
  const what = node ? `${node} in ${cluster}` : target.clusters.map((c) => c.name).join(", ");
  let admitted: ScanAdmission;
  try {
    // Before the ack: joining, a refusal or an outage changes what the ack says (one Redis round trip).
    admitted = await deps.scans.enqueue({
      ...(cluster ? { cluster } : {}),
      ...(node ? { node } : {}),
      responseUrl: input.responseUrl,
      channelId: input.channelId,
      userId: input.userId,
      requestedAt: deps.clock.now().toISOString(),
    });
  } catch (err) {
    deps.logger.error({ err }, "could not queue a scan");
    admitted = { kind: "unavailable" };
  }
  await ack(admissionNotice(admitted, what, plural(nodes, "node")));
}

function admissionNotice(a: ScanAdmission, what: string, nodes: string): ChatMessage {
  switch (a.kind) {
    case "queued":
      return renderNotice(`Scanning ${what} (${nodes})…`, { emoji: ":mag:" });
    case "joined":
      return renderNotice(`A scan of ${what} (${nodes}) is already running; you will get its answer too…`, {
        emoji: ":mag:",
      });
    case "limited":
      return renderNotice(
        `You have asked for too many scans in the last minute. Try again in ${plural(a.retryAfterSeconds, "second")}.`,
        { emoji: ":hourglass:" },
      );
    case "unavailable":
      return renderNotice("Could not queue the scan (Redis unavailable?). Try again in a minute.", {
        emoji: ":x:",
      });
  }
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
