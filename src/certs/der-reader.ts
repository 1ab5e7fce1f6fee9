import { AppError } from "../shared/app-error.js";

/**
 * A minimal DER reader: just enough ASN.1 to pull the reported fields out of an X.509 certificate
 * without building an object tree. Anything it does not handle exactly throws DerUnsupported, so that
 * the caller can hand the certificate to the full parser instead of guessing.
 */

/** Input this reader does not handle exactly (malformed, BER-only or an encoding it does not decode). */
export class DerUnsupported extends AppError<"der-unsupported"> {
  readonly code = "der-unsupported";
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

/** One TLV: tag byte, content bounds and where the next sibling starts. */
export interface Tlv {
  tag: number;
  start: number;
  end: number;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  UTF8: 0x0c,
  PRINTABLE: 0x13,
  TELETEX: 0x14,
  IA5: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL: 0x1c,
  BMP: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** The TLV at `pos`, which must end at or before `limit`. Multi-byte tags and indefinite lengths are refused. */
export function readTlv(buf: Uint8Array, pos: number, limit: number): Tlv {
  if (pos + 2 > limit) throw new DerUnsupported(`DER element at ${pos} runs past its parent`);
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) throw new DerUnsupported(`multi-byte DER tag at ${pos}`);
  let len = buf[pos + 1]!;
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DerUnsupported(`unsupported DER length form at ${pos}`);
    if (start + n > limit) throw new DerUnsupported(`DER length at ${pos} runs past its parent`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new DerUnsupported(`DER element at ${pos} (length ${len}) runs past its parent`);
  return { tag, start, end };
}

/** The TLV at `pos` with the given tag. */
export function expectTlv(buf: Uint8Array, pos: number, limit: number, tag: number): Tlv {
  const t = readTlv(buf, pos, limit);
  if (t.tag !== tag)
    throw new DerUnsupported(`expected DER tag 0x${tag.toString(16)} at ${pos}, got 0x${t.tag.toString(16)}`);
  return t;
}

/** The direct children of a constructed element. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.start; p < parent.end;) {
    const t = readTlv(buf, p, parent.end);
    out.push(t);
    p = t.end;
  }
  return out;
}

/** Dotted OID text of an OBJECT IDENTIFIER's content. */
export function oidText(buf: Uint8Array, t: Tlv): string {
  if (t.tag !== TAG.OID || t.end === t.start) throw new DerUnsupported("malformed OBJECT IDENTIFIER");
  const arcs: number[] = [];
  let v = 0;
  for (let i = t.start; i < t.end; i++) {
    const b = buf[i]!;
    v = v * 128 + (b & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER / 128) throw new DerUnsupported("OBJECT IDENTIFIER arc too large");
    if (!(b & 0x80)) {
      arcs.push(v);
      v = 0;
    } else if (i === t.end - 1) throw new DerUnsupported("truncated OBJECT IDENTIFIER");
  }
  const first = arcs[0]!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join(".");
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf16be = new TextDecoder("utf-16be", { fatal: true });

/** A directory string as asn1js decodes it (byte strings one char per byte, UTF-8, BMP, Universal). */
export function stringValue(buf: Uint8Array, t: Tlv): string {
  const bytes = buf.subarray(t.start, t.end);
  switch (t.tag) {
    case TAG.UTF8:
      try {
        return utf8.decode(bytes);
      } catch {
        throw new DerUnsupported("UTF8String is not valid UTF-8");
      }
    case TAG.PRINTABLE:
    case TAG.TELETEX:
    case TAG.IA5:
      return latin1(bytes);
    case TAG.BMP:
      if (bytes.length % 2) throw new DerUnsupported("odd-length BMPString");
      return utf16be.decode(bytes);
    case TAG.UNIVERSAL: {
      if (bytes.length % 4) throw new DerUnsupported("UniversalString length not a multiple of 4");
      let s = "";
      for (let i = 0; i < bytes.length; i += 4)
        s += String.fromCodePoint(
          ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0,
        );
      return s;
    }
    default:
      throw new DerUnsupported(`string type 0x${t.tag.toString(16)} is not decoded here`);
  }
}

export function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

const TIME_UTC = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const TIME_GEN = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;

/** UTCTime (YY < 50 is 20YY, RFC 5280) or GeneralizedTime, in the DER forms RFC 5280 allows. */
export function timeValue(buf: Uint8Array, t: Tlv): Date {
  const text = latin1(buf.subarray(t.start, t.end));
  const m =
    t.tag === TAG.UTC_TIME
      ? TIME_UTC.exec(text)
      : t.tag === TAG.GENERALIZED_TIME
        ? TIME_GEN.exec(text)
        : null;
  if (!m) throw new DerUnsupported(`time "${text}" (tag 0x${t.tag.toString(16)}) is not a DER time`);
  const n = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const year = t.tag === TAG.UTC_TIME ? (n[0] < 50 ? 2000 + n[0] : 1900 + n[0]) : n[0];
  if (year < 100) throw new DerUnsupported(`year ${year} is not handled here`); // Date.UTC maps 0-99 to 19xx
  const d = new Date(Date.UTC(year, n[1] - 1, n[2], n[3], n[4], n[5]));
  if (Number.isNaN(d.getTime()) || d.getUTCDate() !== n[2])
    throw new DerUnsupported(`invalid date "${text}"`);
  return d;
}
