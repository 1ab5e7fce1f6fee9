import { createHash } from "node:crypto";
import "reflect-metadata";
import {
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  X509Certificate,
} from "@peculiar/x509";
import type { CertFacts, DnFields } from "./cert-types.js";

/**
 * Parsed facts by SHA-256 of the DER. Every bundle file repeats its CA, and scans repeat daily, so
 * most certificates of a scan were parsed before; @peculiar/x509's parse costs ~0.3 ms each.
 */
const cache = new Map<string, CertFacts>();
const CACHE_MAX = 20_000;

/** Parse one DER certificate into the facts we report. Throws on corrupt DER (callers catch). */
export function parseCertificate(der: Buffer): CertFacts {
  const fingerprint256 = createHash("sha256").update(der).digest("hex");
  const hit = cache.get(fingerprint256);
  if (hit) return hit;
  // Shared between records: frozen so that no caller can change another's facts.
  const facts = deepFreeze(parseUncached(der, fingerprint256));
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(fingerprint256, facts);
  return facts;
}

function parseUncached(der: Buffer, fingerprint256: string): CertFacts {
  const cert = new X509Certificate(new Uint8Array(der));
  const basic = cert.getExtension(BasicConstraintsExtension);
  const keyUsage = cert.getExtension(KeyUsagesExtension);
  const eku = cert.getExtension(ExtendedKeyUsageExtension);
  const san = cert.getExtension(SubjectAlternativeNameExtension);
  const isCA = basic?.ca === true;
  const usages: string[] = [];
  if (isCA || (keyUsage && (keyUsage.usages & KeyUsageFlags.keyCertSign) !== 0)) usages.push("CertSign");
  const ekus = (eku?.usages ?? []).map(String);
  if (ekus.includes(ExtendedKeyUsage.serverAuth)) usages.push("ServerAuth");
  if (ekus.includes(ExtendedKeyUsage.clientAuth)) usages.push("ClientAuth");
  const names = san?.names.items ?? [];
  return {
    subjectCN: cert.subjectName.getField("CN")[0] ?? "",
    subjectO: cert.subjectName.getField("O"),
    issuerCN: cert.issuerName.getField("CN")[0] ?? "",
    subject: dnFields(cert.subjectName),
    issuer: dnFields(cert.issuerName),
    // Canonical hex without leading zeros, as openssl prints serials (Go's SerialNumber.String(), and so
    // the exporter's serial_number label, is decimal: see serialDecimal).
    serial: cert.serialNumber.toLowerCase().replace(/^0+(?=.)/, ""),
    fingerprint256,
    sans: {
      dns: names.filter((n) => n.type === "dns").map((n) => n.value),
      ip: names.filter((n) => n.type === "ip").map((n) => n.value),
    },
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    usages,
    isCA,
  };
}

const DN_KEYS = ["C", "ST", "L", "O", "OU", "CN"] as const;

function dnFields(name: X509Certificate["subjectName"]): DnFields {
  const out = {} as DnFields;
  for (const k of DN_KEYS) out[k] = name.getField(k)[0] ?? "";
  return out;
}

/** The serial as Go's big.Int String() prints it: decimal. */
export function serialDecimal(hex: string): string {
  return /^[0-9a-f]+$/i.test(hex) ? BigInt(`0x${hex}`).toString(10) : hex;
}

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === "object") deepFreeze(v as object);
  return Object.freeze(o);
}
