import type { ClusterScan } from "../certs/cert-types.js";

/** Exit statuses promised to cron and CI (interface.md). */
export const EXIT = { OK: 0, RENEWAL_WINDOW: 1, CRITICAL: 2, NODE_FAILED: 3, USAGE: 64, CONFIG: 78 } as const;

/** The worst thing seen decides the exit status; an unscanned node outranks certificate findings. */
export function exitCodeFor(scans: ClusterScan[]): number {
  let code: number = EXIT.OK;
  for (const s of scans)
    for (const n of s.nodes) {
      if (!n.ok) return EXIT.NODE_FAILED;
      for (const c of n.certs) {
        if (["expired", "critical", "unreadable", "not-yet-valid"].includes(c.status))
          code = Math.max(code, EXIT.CRITICAL);
        else if (c.status === "renewal-window" || c.status === "san-mismatch")
          code = Math.max(code, EXIT.RENEWAL_WINDOW);
      }
    }
  return code;
}
