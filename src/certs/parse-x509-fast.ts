import { createHash } from "node:crypto";
import type { CertFacts, DnFields } from "./cert-types.js";
import {
  children,
  DerUnsupported,
  expectTlv,
  latin1,
  oidText,
  stringValue,
  TAG,
  timeValue,
  type Tlv,
} from "./der-reader.js";

/**
 * The reported facts straight from the DER, as @peculiar/x509 would give them (test/unit/fast-x509.test.ts
 * holds the two side by side). A scan parses thousands of certificates; an object tree per certificate
 * was 40% of a scan's CPU. Throws DerUnsupported for anything it does not handle exactly.
 */
export function parseCertificateFast(der: Uint8Array, fingerprint256: string): CertFacts {
  const cert = expectTlv(der, 0, der.length, TAG.SEQUENCE);
  if (cert.end !== der.length) throw new DerUnsupported("trailing bytes after the certificate");
  const [tbs, sigAlg, sig] = children(der, cert);
  if (!tbs || tbs.tag !== TAG.SEQUENCE || sigAlg?.tag !== TAG.SEQUENCE || sig?.tag !== TAG.BIT_STRING)
    throw new DerUnsupported("not an X.509 Certificate structure");
  const f = children(der, tbs);
  let i = f[0]?.tag === 0xa0 ? 1 : 0; // [0] version
  const serial = f[i++];
  const [alg, issuer, validity, subject, spki] = [f[i++], f[i++], f[i++], f[i++], f[i++]];
  if (serial?.tag !== TAG.INTEGER || serial.end === serial.start)
    throw new DerUnsupported("no serial number");
  for (const t of [alg, issuer, validity, subject, spki])
    if (t?.tag !== TAG.SEQUENCE) throw new DerUnsupported("malformed TBSCertificate");
  const [nb, na] = children(der, validity!);
  if (!nb || !na) throw new DerUnsupported("malformed validity");
  const ext = extensions(der, f.slice(i));
  const subjectName = nameValues(der, subject!);
  const issuerName = nameValues(der, issuer!);
  const isCA = ext.basic ? basicIsCA(der, ext.basic) : false;
  const ekus = ext.eku
    ? children(der, expectTlv(der, ext.eku.start, ext.eku.end, TAG.SEQUENCE)).map((t) => oidText(der, t))
    : [];
  const usages: string[] = [];
  if (isCA || (ext.keyUsage && keyCertSign(der, ext.keyUsage))) usages.push("CertSign");
  if (ekus.includes("1.3.6.1.5.5.7.3.1")) usages.push("ServerAuth");
  if (ekus.includes("1.3.6.1.5.5.7.3.2")) usages.push("ClientAuth");
  return {
    subjectCN: first(subjectName, OID.CN),
    subjectO: subjectName.get(OID.O) ?? [],
    issuerCN: first(issuerName, OID.CN),
    subject: dnFields(subjectName),
    issuer: dnFields(issuerName),
    serial: hex(der.subarray(serial.start, serial.end)).replace(/^0+(?=.)/, ""),
    fingerprint256,
    // The SPKI's TLV starts where the subject's ends (TBSCertificate fields are contiguous).
    publicKeySha256: createHash("sha256").update(der.subarray(subject!.end, spki!.end)).digest("hex"),
    sans: ext.san ? sans(der, ext.san) : { dns: [], ip: [] },
    notBefore: timeValue(der, nb).toISOString(),
    notAfter: timeValue(der, na).toISOString(),
    usages,
    isCA,
  };
}

const OID = {
  C: "2.5.4.6",
  ST: "2.5.4.8",
  L: "2.5.4.7",
  O: "2.5.4.10",
  OU: "2.5.4.11",
  CN: "2.5.4.3",
} as const;
const DN_KEYS = ["C", "ST", "L", "O", "OU", "CN"] as const;

type NameValues = Map<string, string[]>;

const first = (n: NameValues, oid: string) => n.get(oid)?.[0] ?? "";

function dnFields(n: NameValues): DnFields {
  const out = {} as DnFields;
  for (const k of DN_KEYS) out[k] = first(n, OID[k]);
  return out;
}

/** Every attribute value of a Name by OID, in certificate order (RDN sequence, then set order). */
function nameValues(der: Uint8Array, name: Tlv): NameValues {
  const out: NameValues = new Map();
  for (const rdn of children(der, name)) {
    if (rdn.tag !== TAG.SET) throw new DerUnsupported("malformed RelativeDistinguishedName");
    for (const atv of children(der, rdn)) {
      if (atv.tag !== TAG.SEQUENCE) throw new DerUnsupported("malformed AttributeTypeAndValue");
      const [type, value, extra] = children(der, atv);
      if (!type || !value || extra) throw new DerUnsupported("malformed AttributeTypeAndValue");
      const oid = oidText(der, type);
      const list = out.get(oid) ?? [];
      list.push(stringValue(der, value));
      out.set(oid, list);
    }
  }
  return out;
}

interface Ext {
  basic?: Tlv;
  keyUsage?: Tlv;
  eku?: Tlv;
  san?: Tlv;
}

const EXT_FIELD: Record<string, keyof Ext> = {
  "2.5.29.19": "basic",
  "2.5.29.15": "keyUsage",
  "2.5.29.37": "eku",
  "2.5.29.17": "san",
};

/** The value (OCTET STRING content) of the extensions we read; the first one wins, as getExtension does. */
function extensions(der: Uint8Array, rest: Tlv[]): Ext {
  const out: Ext = {};
  for (const t of rest) {
    if (t.tag === 0x81 || t.tag === 0x82) continue; // issuer/subject unique IDs
    if (t.tag !== 0xa3) throw new DerUnsupported(`unexpected TBSCertificate field 0x${t.tag.toString(16)}`);
    const list = expectTlv(der, t.start, t.end, TAG.SEQUENCE);
    if (list.end !== t.end) throw new DerUnsupported("trailing bytes after the extensions");
    for (const e of children(der, list)) {
      if (e.tag !== TAG.SEQUENCE) throw new DerUnsupported("malformed Extension");
      const parts = children(der, e);
      const value = parts[parts.length - 1];
      if (!parts[0] || value?.tag !== TAG.OCTET_STRING || parts.length > 3)
        throw new DerUnsupported("malformed Extension");
      const key = EXT_FIELD[oidText(der, parts[0])];
      if (key && !out[key]) out[key] = value;
    }
  }
  return out;
}

function basicIsCA(der: Uint8Array, v: Tlv): boolean {
  const seq = expectTlv(der, v.start, v.end, TAG.SEQUENCE);
  const b = children(der, seq)[0];
  return b?.tag === TAG.BOOLEAN && b.end - b.start === 1 && der[b.start] !== 0;
}

/** keyCertSign is bit 5 of the KeyUsage BIT STRING (bit 0 = most significant bit of the first byte). */
function keyCertSign(der: Uint8Array, v: Tlv): boolean {
  const bits = expectTlv(der, v.start, v.end, TAG.BIT_STRING);
  return bits.end - bits.start >= 2 && (der[bits.start + 1]! & 0x04) !== 0;
}

function sans(der: Uint8Array, v: Tlv): CertFacts["sans"] {
  const out: CertFacts["sans"] = { dns: [], ip: [] };
  for (const g of children(der, expectTlv(der, v.start, v.end, TAG.SEQUENCE))) {
    if (g.tag === 0x82) out.dns.push(latin1(der.subarray(g.start, g.end)));
    else if (g.tag === 0x87) out.ip.push(ipText(der.subarray(g.start, g.end)));
  }
  return out;
}

function ipText(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join(".");
  if (b.length !== 16) throw new DerUnsupported(`iPAddress of ${b.length} bytes`);
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  // The longest run (> 1) of zero groups becomes "::", the first one on a tie (as @peculiar/asn1-x509 does).
  let best = -1;
  let bestLen = 1;
  for (let s = 0; s < 8;) {
    let e = s;
    while (e < 8 && parts[e] === "0") e++;
    if (e - s > bestLen) [best, bestLen] = [s, e - s];
    s = e === s ? s + 1 : e;
  }
  if (best < 0) return parts.join(":");
  return `${parts.slice(0, best).join(":")}::${parts.slice(best + bestLen).join(":")}`;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}
