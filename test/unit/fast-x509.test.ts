import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DerUnsupported } from "../../src/certs/der-reader.js";
import { extractCerts } from "../../src/certs/extract-certs.js";
import { splitPemCertificates } from "../../src/certs/parse-pem.js";
import { parseCertificateFast } from "../../src/certs/parse-x509-fast.js";
import { parseCertificateFull } from "../../src/certs/parse-x509-full.js";
import { parseCertificate } from "../../src/certs/parse-x509.js";

// Certificates from OpenSSL, so that the inputs are not shaped by the parser under test's own library.
let dir: string;
const ssl = (...args: string[]) =>
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
const der = (pemFile: string) => {
  const b = splitPemCertificates(readFileSync(join(dir, pemFile), "utf8"))[0]!;
  if (!("der" in b)) throw new Error(b.error);
  return b.der;
};
const fp = (d: Buffer) => createHash("sha256").update(d).digest("hex");

/** A certificate made by `openssl req -x509` (self-signed) or `openssl x509 -req` (signed by `ca`). */
function make(
  name: string,
  key: string[],
  subj: string,
  ext: string[],
  opts: { ca?: string; days?: string } = {},
) {
  ssl(...key, "-out", `${name}.key`);
  const cfg = `${name}.cnf`;
  writeFileSync(
    join(dir, cfg),
    `[req]\ndistinguished_name=dn\nx509_extensions=v\n[dn]\n[v]\n${ext.join("\n")}\n`,
  );
  const days = opts.days ?? "30";
  if (!opts.ca) {
    ssl(
      "req",
      "-x509",
      "-new",
      "-key",
      `${name}.key`,
      "-subj",
      subj,
      "-utf8",
      "-days",
      days,
      "-config",
      cfg,
      "-set_serial",
      "0x00ff0102",
      "-out",
      `${name}.crt`,
    );
  } else {
    ssl("req", "-new", "-key", `${name}.key`, "-subj", subj, "-utf8", "-config", cfg, "-out", `${name}.csr`);
    ssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${opts.ca}.crt`,
      "-CAkey",
      `${opts.ca}.key`,
      "-days",
      days,
      "-extfile",
      cfg,
      "-extensions",
      "v",
      "-set_serial",
      "123456789012345678901234567890",
      "-out",
      `${name}.crt`,
    );
  }
  return der(`${name}.crt`);
}

const rsa = ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"];
const p256 = ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
const p384 = ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"];
const ed = ["genpkey", "-algorithm", "ED25519"];
const caExt = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"];
const certs: Record<string, Buffer> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fast-x509-"));
  certs.rsaRoot = make(
    "root",
    rsa,
    "/C=DE/ST=Berlin/L=Berlin/O=Ops/O=Second Org/OU=Platform/CN=Root CA",
    caExt,
    { days: "12000" },
  );
  certs.ecdsaInter = make(
    "inter",
    p384,
    "/CN=Intermediate/O=Ops",
    [...caExt.slice(0, 1).map((c) => `${c},pathlen:1`), caExt[1]!],
    { ca: "root" },
  );
  certs.edInter2 = make("inter2", ed, "/CN=Intermediate 2", caExt, { ca: "inter" });
  certs.leaf = make(
    "leaf",
    p256,
    "/CN=kube-apiserver/O=system:masters",
    [
      "basicConstraints=CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth,clientAuth",
      "subjectAltName=DNS:cp-1,DNS:kubernetes.default.svc,IP:10.0.0.11,IP:127.0.0.1,IP:2001:db8::1,IP:fe80:0:0:1::,IP:::1,email:a@b.c,URI:spiffe://x/y",
    ],
    { ca: "inter2" },
  );
  certs.utf8 = make("utf8", p256, "/CN=Zertifikat für Köln ✓/O=Ünïcode/OU=", [
    "keyUsage=keyCertSign",
    "extendedKeyUsage=clientAuth",
  ]);
  // Past 2049 the dates are GeneralizedTime.
  certs.longLived = make("long", p256, "/CN=long", ["basicConstraints=critical,CA:FALSE"], { days: "20000" });
  certs.noExt = make("noext", p256, "/CN=noext", ["nsComment=none of the extensions we read"]);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the fast parser gives @peculiar/x509's facts", () => {
  it.each(["rsaRoot", "ecdsaInter", "edInter2", "leaf", "utf8", "longLived", "noExt"])("%s", (name) => {
    const d = certs[name]!;
    expect(parseCertificateFast(d, fp(d))).toEqual(parseCertificateFull(d, fp(d)));
  });

  it("fingerprints the public key as SHA-256 of the SubjectPublicKeyInfo DER (openssl's own)", () => {
    for (const name of ["rsaRoot", "ecdsaInter", "edInter2", "leaf"]) {
      const d = certs[name]!;
      writeFileSync(join(dir, "pk.der"), d);
      ssl("x509", "-inform", "DER", "-in", "pk.der", "-pubkey", "-noout", "-out", "pk.pem");
      const spki = ssl("pkey", "-pubin", "-in", "pk.pem", "-outform", "DER");
      expect(parseCertificateFast(d, fp(d)).publicKeySha256).toBe(fp(spki));
      expect(parseCertificateFull(d, fp(d)).publicKeySha256).toBe(fp(spki));
    }
  });

  it("reads what the report needs from them", () => {
    const root = parseCertificateFast(certs.rsaRoot!, "");
    expect(root.subject).toEqual({
      C: "DE",
      ST: "Berlin",
      L: "Berlin",
      O: "Ops",
      OU: "Platform",
      CN: "Root CA",
    });
    expect(root.subjectO).toEqual(["Ops", "Second Org"]);
    expect([root.serial, root.isCA, root.usages]).toEqual(["ff0102", true, ["CertSign"]]);
    const leaf = parseCertificateFast(certs.leaf!, "");
    expect(leaf.sans).toEqual({
      dns: ["cp-1", "kubernetes.default.svc"],
      ip: ["10.0.0.11", "127.0.0.1", "2001:db8::1", "fe80:0:0:1::", "::1"],
    });
    expect([leaf.usages, leaf.isCA, leaf.issuerCN]).toEqual([
      ["ServerAuth", "ClientAuth"],
      false,
      "Intermediate 2",
    ]);
    expect(BigInt(`0x${leaf.serial}`).toString()).toBe("123456789012345678901234567890");
    expect(parseCertificateFast(certs.utf8!, "").usages).toEqual(["CertSign", "ClientAuth"]);
    expect(parseCertificateFast(certs.longLived!, "").notAfter.slice(0, 2)).toBe("20");
  });

  it("a long chain in one bundle: every block, in order, the same as @peculiar/x509", () => {
    const chain = ["leaf", "inter2", "inter", "root"]
      .map((n) => readFileSync(join(dir, `${n}.crt`), "utf8"))
      .join("");
    const out = extractCerts("/var/lib/rancher/rke2/server/tls/chain.crt", chain);
    expect(out.map((c) => c.facts?.subjectCN)).toEqual([
      "kube-apiserver",
      "Intermediate 2",
      "Intermediate",
      "Root CA",
    ]);
    for (const c of out) {
      const d = [certs.leaf, certs.edInter2, certs.ecdsaInter, certs.rsaRoot][c.source.index]!;
      expect(c.facts).toEqual(parseCertificateFull(d, fp(d)));
    }
  });
});

describe("inputs the fast parser leaves to @peculiar/x509", () => {
  it("a name in a string type it does not decode (VisibleString) goes to the full parser, same facts", () => {
    const d = Buffer.from(certs.noExt!);
    const cn = d.indexOf(Buffer.from("noext")); // the subject (or issuer) CN value; its tag byte precedes the length
    expect(d[cn - 2]).toBe(0x0c);
    d[cn - 2] = 0x1a;
    expect(() => parseCertificateFast(d, fp(d))).toThrow(DerUnsupported);
    expect(parseCertificate(d)).toEqual(parseCertificateFull(d, fp(d)));
  });

  it.each([
    ["random bytes", () => Buffer.from("this is not DER at all, not even close")],
    ["a truncated certificate", () => certs.leaf!.subarray(0, certs.leaf!.length - 30)],
    [
      "a DER SEQUENCE that is no certificate",
      () => Buffer.concat([certs.leaf!.subarray(0, 1), Buffer.from([0x03]), Buffer.from([0x02, 0x01, 0x00])]),
    ],
  ])("%s: the fast parser refuses, the certificate is unreadable with a reason", (_n, make) => {
    const d = make();
    expect(() => parseCertificateFast(d, fp(d))).toThrow(DerUnsupported);
    const pem = `-----BEGIN CERTIFICATE-----\n${d.toString("base64")}\n-----END CERTIFICATE-----\n`;
    const [c] = extractCerts("/x/a.crt", pem);
    expect(c?.facts).toBeUndefined();
    expect(c?.reason).toMatch(/^corrupt certificate: .+/);
  });
});
