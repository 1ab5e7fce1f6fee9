import type { CertRecord } from "../../certs/cert-types.js";

/** What we remember about one leaf certificate before touching its node. */
export interface LeafFact {
  /** path#index[@field]: stable identity of "this certificate slot" across renewals. */
  key: string;
  path: string;
  subject: string;
  serial: string;
  fingerprint256: string;
  /** SHA-256 of the public key (SPKI): a restart renewal keeps it, a rotation replaces it. */
  publicKeySha256?: string;
  /** Absent in facts recorded before issue 14: "not known", never "valid". */
  notBefore?: string;
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
      publicKeySha256: c.facts!.publicKeySha256,
      notBefore: c.facts!.notBefore,
      notAfter: c.facts!.notAfter,
    }));
}

/**
 * renewed: new serial, valid now, expiry beyond the renewal window. not-valid-now: re-issued but
 * not yet valid or already expired. inside-window: re-issued with an expiry RKE2 would renew
 * again at the next start (a lifetime shorter than the window).
 */
export type LeafVerdict = "renewed" | "unchanged" | "missing" | "not-valid-now" | "inside-window";

/** When renewal is judged and how close to expiry RKE2 renews (inventory `report.renewalWindowDays`). */
export interface RenewalPolicy {
  now: Date;
  renewalWindowDays: number;
}

export interface LeafComparison {
  before: LeafFact;
  after?: LeafFact;
  verdict: LeafVerdict;
}

const DAY_MS = 86_400_000;

/**
 * The renewal rule (issue 14). Not "a later not-after": a future-dated leaf (clock skew) can
 * expire later than its correct replacement. What matters is that the new leaf is in force now
 * and will not be renewed again at the next start.
 */
export function compareLeaf(before: LeafFact, after: LeafFact | undefined, p: RenewalPolicy): LeafVerdict {
  if (!after) return "missing";
  const changed = after.serial !== before.serial || after.fingerprint256 !== before.fingerprint256;
  if (!changed) return "unchanged";
  const now = p.now.getTime();
  const notAfter = Date.parse(after.notAfter);
  const notBefore = after.notBefore === undefined ? undefined : Date.parse(after.notBefore);
  if (!(notAfter >= now) || (notBefore !== undefined && !(notBefore <= now))) return "not-valid-now";
  return notAfter > now + p.renewalWindowDays * DAY_MS ? "renewed" : "inside-window";
}

export function compareLeaves(
  before: readonly LeafFact[],
  after: readonly LeafFact[],
  p: RenewalPolicy,
): LeafComparison[] {
  const now = new Map(after.map((l) => [l.key, l]));
  return before.map((b) => ({
    before: b,
    after: now.get(b.key),
    verdict: compareLeaf(b, now.get(b.key), p),
  }));
}

/** Why a leaf does not count as renewed, worded for the operator. */
export function verdictReason(c: LeafComparison, p: RenewalPolicy): string {
  const a = c.after;
  switch (c.verdict) {
    case "renewed":
      return "renewed";
    case "missing":
      return "missing (no certificate in that file)";
    case "unchanged":
      return "unchanged (same serial as before)";
    case "not-valid-now":
      return `new certificate not valid now (valid ${a?.notBefore ?? "?"} to ${a!.notAfter}; check the node's clock)`;
    case "inside-window":
      return `new certificate expires in ${daysBetween(p.now, a!.notAfter)} days, inside the ${p.renewalWindowDays}-day renewal window`;
  }
}

/**
 * Where a server's rotation stands, judged from its files alone (used after a crash or SSH drop):
 * untouched = rotate has not run; deleted = rotate ran, start has not; renewed = started since;
 * mixed = some leaves not renewed by the rule (a start that left files unchanged, or re-issued
 * them not valid now / inside the window) — rotate again.
 */
export function rotationState(cmp: readonly LeafComparison[]): "untouched" | "deleted" | "renewed" | "mixed" {
  if (cmp.some((c) => c.verdict === "missing")) return "deleted";
  if (cmp.every((c) => c.verdict === "unchanged")) return "untouched";
  if (cmp.every((c) => c.verdict === "renewed")) return "renewed";
  return "mixed";
}

export const daysBetween = (fromIso: string | Date, toIso: string): number =>
  Math.floor((Date.parse(toIso) - new Date(fromIso).getTime()) / DAY_MS);

export function earliest(leaves: readonly LeafFact[]): LeafFact | undefined {
  return [...leaves].sort((a, b) => Date.parse(a.notAfter) - Date.parse(b.notAfter))[0];
}
