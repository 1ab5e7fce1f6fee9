import type { CertRecord } from "../../certs/cert-types.js";

/** What we remember about one leaf certificate before touching its node. */
export interface LeafFact {
  /** path#index[@field]: stable identity of "this certificate slot" across renewals. */
  key: string;
  path: string;
  subject: string;
  serial: string;
  fingerprint256: string;
  notAfter: string;
}

export const leafKey = (c: CertRecord): string =>
  `${c.source.path}#${c.source.index}${c.source.field ? `@${c.source.field}` : ""}`;

/** Readable leaf certificates of a node (CAs are never renewed by a rotation). */
export function leafFacts(certs: readonly CertRecord[]): LeafFact[] {
  return certs
    .filter((c) => c.facts && !c.facts.isCA)
    .map((c) => ({
      key: leafKey(c),
      path: c.source.path + (c.source.field ? ` (${c.source.field})` : ""),
      subject: c.facts!.subjectCN,
      serial: c.facts!.serial,
      fingerprint256: c.facts!.fingerprint256,
      notAfter: c.facts!.notAfter,
    }));
}

export type LeafVerdict = "renewed" | "unchanged" | "missing" | "not-later";

export interface LeafComparison {
  before: LeafFact;
  after?: LeafFact;
  verdict: LeafVerdict;
}

/**
 * The renewal rule (issue 7). RKE2 signs a renewed leaf with the CA's not-before, so a renewal
 * shows as a new serial/fingerprint AND a later not-after, never as a later not-before. A new
 * serial without a later not-after is not a renewal either (someone re-issued an old expiry).
 */
export function compareLeaf(before: LeafFact, after: LeafFact | undefined): LeafVerdict {
  if (!after) return "missing";
  const changed = after.serial !== before.serial || after.fingerprint256 !== before.fingerprint256;
  if (!changed) return "unchanged";
  return Date.parse(after.notAfter) > Date.parse(before.notAfter) ? "renewed" : "not-later";
}

export function compareLeaves(before: readonly LeafFact[], after: readonly LeafFact[]): LeafComparison[] {
  const now = new Map(after.map((l) => [l.key, l]));
  return before.map((b) => ({ before: b, after: now.get(b.key), verdict: compareLeaf(b, now.get(b.key)) }));
}

/**
 * Where a server's rotation stands, judged from its files alone (used after a crash or SSH drop):
 * untouched = rotate has not run; deleted = rotate ran, start has not; renewed = started since;
 * mixed = some leaves renewed and some not (a start that left files unchanged) — rotate again.
 */
export function rotationState(cmp: readonly LeafComparison[]): "untouched" | "deleted" | "renewed" | "mixed" {
  if (cmp.some((c) => c.verdict === "missing")) return "deleted";
  if (cmp.every((c) => c.verdict === "unchanged")) return "untouched";
  if (cmp.every((c) => c.verdict === "renewed")) return "renewed";
  return "mixed";
}

export const daysBetween = (fromIso: string | Date, toIso: string): number =>
  Math.floor((Date.parse(toIso) - new Date(fromIso).getTime()) / 86_400_000);

export function earliest(leaves: readonly LeafFact[]): LeafFact | undefined {
  return [...leaves].sort((a, b) => Date.parse(a.notAfter) - Date.parse(b.notAfter))[0];
}

/** Renewed leaves that would be renewed again at the next restart (window from the inventory, never hard-coded). */
export function shortLived(
  cmp: readonly LeafComparison[],
  now: Date,
  renewalWindowDays: number,
): LeafComparison[] {
  return cmp.filter(
    (c) => c.verdict === "renewed" && c.after && daysBetween(now, c.after.notAfter) < renewalWindowDays,
  );
}
