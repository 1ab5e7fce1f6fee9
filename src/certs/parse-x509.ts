import { createHash } from "node:crypto";
import type { CertFacts } from "./cert-types.js";
import { DerUnsupported } from "./der-reader.js";
import { parseCertificateFast } from "./parse-x509-fast.js";
import { parseCertificateFull } from "./parse-x509-full.js";

/**
 * Parsed facts by SHA-256 of the DER. Every bundle file repeats its CA, and scans repeat daily, so
 * most certificates of a scan were parsed before.
 */
const cache = new Map<string, CertFacts>();
const CACHE_MAX = 20_000;

/**
 * Parse one DER certificate into the facts we report. Throws on corrupt DER (callers catch).
 * The DER reader handles what RKE2 writes (and RSA/ECDSA, chains, any usual DN string) in a few
 * microseconds; whatever it does not handle exactly goes to @peculiar/x509, which also words the error.
 */
export function parseCertificate(der: Buffer): CertFacts {
  const fingerprint256 = createHash("sha256").update(der).digest("hex");
  const hit = cache.get(fingerprint256);
  if (hit) return hit;
  // Shared between records: frozen so that no caller can change another's facts.
  const facts = deepFreeze(parseEither(der, fingerprint256));
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(fingerprint256, facts);
  return facts;
}

function parseEither(der: Buffer, fingerprint256: string): CertFacts {
  try {
    return parseCertificateFast(der, fingerprint256);
  } catch (err) {
    if (!(err instanceof DerUnsupported)) throw err;
    return parseCertificateFull(der, fingerprint256);
  }
}

/** The serial as Go's big.Int String() prints it: decimal. */
export function serialDecimal(hex: string): string {
  return /^[0-9a-f]+$/i.test(hex) ? BigInt(`0x${hex}`).toString(10) : hex;
}

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === "object") deepFreeze(v as object);
  return Object.freeze(o);
}
