import { resolveScanTarget } from "../../certs/scan-inventory.js";
import { renderNotice } from "../blocks/render-notice.js";
import { plural } from "../blocks/format-cert.js";
import type { Ack, ListenerDeps, SlashInput } from "./command-deps.js";

/**
 * `/rke2 certs [cluster] [node]`: refuse unknown names at once (listing the valid ones), otherwise
 * ack "Scanning…" and queue the scan; the scan worker answers through the response_url.
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
  const nodes = target.clusters.reduce((n, c) => n + c.nodes.length, 0);
  const what = node ? `${node} in ${cluster}` : target.clusters.map((c) => c.name).join(", ");
  await ack(renderNotice(`Scanning ${what} (${plural(nodes, "node")})…`, { emoji: ":mag:" }));
  try {
    await deps.scans.enqueue({
      ...(cluster ? { cluster } : {}),
      ...(node ? { node } : {}),
      responseUrl: input.responseUrl,
      channelId: input.channelId,
      userId: input.userId,
      requestedAt: deps.clock.now().toISOString(),
    });
  } catch (err) {
    deps.logger.error({ err }, "could not queue a scan");
    await deps.chat
      .respond(
        input.responseUrl,
        renderNotice("Could not queue the scan (Redis unavailable?). Try again in a minute.", {
          emoji: ":x:",
        }),
      )
      .catch(() => undefined);
  }
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
