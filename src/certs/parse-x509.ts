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
import type { CertFacts } from "./cert-types.js";

/** Parse one DER certificate into the facts we report. Throws on corrupt DER (callers catch). */
export function parseCertificate(der: Buffer): CertFacts {
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
    // Canonical hex without leading zeros, as openssl and Go print serials.
    serial: cert.serialNumber.toLowerCase().replace(/^0+(?=.)/, ""),
    fingerprint256: createHash("sha256").update(der).digest("hex"),
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
