import type { CertFacts, CertStatus, ClassifyPolicy } from "./cert-types.js";

const DAY_MS = 86_400_000;
/** RKE2 raises CACertificateExpirationWarning this close to a CA's expiry; CAs are never auto-renewed. */
export const CA_WARNING_DAYS = 365;

export function daysLeft(notAfter: string, now: Date): number {
  // Truncate toward zero: 39.9 days left is "39", expired 5.1 days ago is "-5".
  return Math.trunc((Date.parse(notAfter) - now.getTime()) / DAY_MS) || 0;
}

/**
 * Status of a readable certificate. Leaves: `renewal-window` means RKE2 renews it on the next
 * restart; `critical` means within the smallest alert threshold. CAs use RKE2's CA warning window.
 */
export function classifyCert(facts: CertFacts, policy: ClassifyPolicy, now: Date): CertStatus {
  const t = now.getTime();
  if (t < Date.parse(facts.notBefore)) return "not-yet-valid";
  if (t >= Date.parse(facts.notAfter)) return "expired";
  const left = (Date.parse(facts.notAfter) - t) / DAY_MS;
  if (left <= Math.min(...policy.alertDays)) return "critical";
  if (left <= (facts.isCA ? CA_WARNING_DAYS : policy.renewalWindowDays)) return "renewal-window";
  return "ok";
}
