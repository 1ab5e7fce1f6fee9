import type { CertRecord, CertStatus } from "../../certs/cert-types.js";
import { esc } from "./block-kit.js";

/** The words operators search for; the issue names "expired", "not yet valid", "unreadable". */
export const STATUS_WORDS: Record<CertStatus, string> = {
  expired: "expired",
  unreadable: "unreadable",
  "not-yet-valid": "not yet valid",
  critical: "critical",
  "san-mismatch": "SAN mismatch",
  "renewal-window": "renewal window",
  ok: "ok",
};

export const STATUS_EMOJI: Record<CertStatus, string> = {
  expired: ":red_circle:",
  unreadable: ":grey_question:",
  "not-yet-valid": ":hourglass:",
  critical: ":large_orange_circle:",
  "san-mismatch": ":twisted_rightwards_arrows:",
  "renewal-window": ":large_yellow_circle:",
  ok: ":white_check_mark:",
};

/** 2027-01-10 (UTC) from an ISO timestamp. */
export const isoDate = (iso: string): string => iso.slice(0, 10);

export { dateInZone } from "../../shared/date-in-zone.js";

/** "2026-11-23 08:00 UTC" for context lines. */
export const stamp = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Where a certificate lives: the path, plus bundle position or kubeconfig field when they matter. */
export function certLocation(c: Pick<CertRecord, "source">): string {
  const { path, index, field } = c.source;
  if (field) return `${path} (${field})`;
  return index > 0 ? `${path} #${index}` : path;
}

/** "12 days left, expires 2027-01-10" / "expired 3 days ago, on 2026-11-20" / "not valid before …". */
export function describeTiming(c: CertRecord): string {
  if (c.status === "unreadable") return esc(c.reason ?? "could not be parsed");
  const f = c.facts;
  if (!f) return esc(c.reason ?? "no certificate data");
  if (c.status === "not-yet-valid") return `not valid before ${isoDate(f.notBefore)}`;
  const d = c.daysLeft ?? 0;
  if (d < 0 || c.status === "expired")
    return `expired ${d < 0 ? `${plural(-d, "day")} ago` : "today"}, on ${isoDate(f.notAfter)}`;
  return `${d === 0 ? "less than a day" : plural(d, "day")} left, expires ${isoDate(f.notAfter)}`;
}

/** One line per certificate: node, file, status words, days left and date. */
export function certLine(c: CertRecord, opts: { withNode?: boolean } = {}): string {
  const node = opts.withNode === false ? "" : `\`${c.node}\` `;
  const why = c.status === "san-mismatch" && c.reason ? ` (${esc(c.reason)})` : "";
  return `${STATUS_EMOJI[c.status]} ${node}\`${esc(certLocation(c))}\` — *${STATUS_WORDS[c.status]}*: ${describeTiming(c)}${why}`;
}

export { plural };
