import { z } from "zod";
import type { ClusterSpec } from "../config/inventory.js";
import type { SshExecutor } from "../ssh/ssh-executor.js";
import { kubectl } from "./commands.js";

/** A Kubernetes event RKE2's cert monitor raised (reference §4). */
export interface ExpiryEvent {
  namespace: string;
  node: string;
  reason: string;
  type: string;
  message: string;
  lastSeen?: string;
  count: number;
}

export const EXPIRY_REASONS = ["CertificateExpirationWarning", "CACertificateExpirationWarning"] as const;

const eventList = z.object({
  items: z.array(
    z
      .object({
        metadata: z.object({ namespace: z.string().optional() }).loose(),
        involvedObject: z.object({ kind: z.string().optional(), name: z.string().optional() }).loose(),
        reason: z.string().optional(),
        type: z.string().optional(),
        message: z.string().optional(),
        lastTimestamp: z.string().nullable().optional(),
        eventTime: z.string().nullable().optional(),
        count: z.number().optional(),
      })
      .loose(),
  ),
});

export function parseExpiryEvents(json: string): ExpiryEvent[] {
  const list = eventList.parse(JSON.parse(json));
  return list.items.map((e) => ({
    namespace: e.metadata.namespace ?? "default",
    node: e.involvedObject.name ?? "?",
    reason: e.reason ?? "",
    type: e.type ?? "",
    message: e.message ?? "",
    lastSeen: e.lastTimestamp ?? e.eventTime ?? undefined,
    count: e.count ?? 1,
  }));
}

export type EventsRead = { ok: true; server: string; events: ExpiryEvent[] } | { ok: false; error: string };

/**
 * `kubectl get events -A --field-selector reason=…` on the first server that answers: the warnings
 * Kubernetes raised itself, as a cross-check of the scan.
 */
export async function readExpiryEvents(
  cluster: ClusterSpec,
  executor: SshExecutor,
  skip: string[] = [],
): Promise<EventsRead> {
  const errors: string[] = [];
  for (const server of cluster.nodes.filter((n) => n.role === "server" && !skip.includes(n.name))) {
    try {
      const session = await executor.open(server);
      try {
        const events: ExpiryEvent[] = [];
        for (const reason of EXPIRY_REASONS) {
          const res = await session.run(
            kubectl("get", "events", "-A", "--field-selector", `reason=${reason}`, "-o", "json"),
            { timeoutMs: 30_000 },
          );
          if (res.code !== 0) throw new Error(`kubectl exited ${res.code}: ${res.stderr.trim().slice(-200)}`);
          events.push(...parseExpiryEvents(res.stdout));
        }
        return { ok: true, server: server.name, events };
      } finally {
        await session.close();
      }
    } catch (err) {
      errors.push(`${server.name}: ${(err as Error).message}`);
    }
  }
  return { ok: false, error: errors.join("; ") || "no server to ask" };
}
