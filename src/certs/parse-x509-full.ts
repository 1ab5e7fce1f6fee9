import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import type * as X509 from "@peculiar/x509";
import type { CertFacts, DnFields } from "./cert-types.js";

let lib: typeof X509 | undefined;

/**
 * @peculiar/x509, loaded on first use: it costs ~110 ms of start-up (reflect-metadata, tsyringe, asn1js)
 * and is only needed for certificates the fast parser does not handle exactly.
 */
function x509(): typeof X509 {
  if (!lib) {
    const require = createRequire(import.meta.url);
    require("reflect-metadata"); // tsyringe, under @peculiar/x509, needs it first
    lib = require("@peculiar/x509") as typeof X509;
  }
  return lib;
}

/** The reported facts through @peculiar/x509's full ASN.1 model. Throws on corrupt DER. */
export function parseCertificateFull(der: Uint8Array, fingerprint256: string): CertFacts {
  const x = x509();
  const cert = new x.X509Certificate(new Uint8Array(der));
  const basic = cert.getExtension(x.BasicConstraintsExtension);
  const keyUsage = cert.getExtension(x.KeyUsagesExtension);
  const eku = cert.getExtension(x.ExtendedKeyUsageExtension);
  const san = cert.getExtension(x.SubjectAlternativeNameExtension);
  const isCA = basic?.ca === true;
  const usages: string[] = [];
  if (isCA || (keyUsage && (keyUsage.usages & x.KeyUsageFlags.keyCertSign) !== 0)) usages.push("CertSign");
  const ekus = (eku?.usages ?? []).map(String);
  if (ekus.includes(x.ExtendedKeyUsage.serverAuth)) usages.push("ServerAuth");
  if (ekus.includes(x.ExtendedKeyUsage.clientAuth)) usages.push("ClientAuth");
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
    publicKeySha256: createHash("sha256").update(new Uint8Array(cert.publicKey.rawData)).digest("hex"),
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

function dnFields(name: X509.X509Certificate["subjectName"]): DnFields {
  const out = {} as DnFields;
  for (const k of DN_KEYS) out[k] = name.getField(k)[0] ?? "";
  return out;
}
