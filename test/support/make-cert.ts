import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface TestCa {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  pem: string;
}

export async function makeCa(cn: string, notBefore: Date, notAfter: Date): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: `CN=${cn}`,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  return { cert, keys, pem: cert.toString("pem") };
}

export async function makeLeaf(
  ca: TestCa,
  opts: {
    cn: string;
    o?: string;
    notBefore: Date;
    notAfter: Date;
    server?: boolean;
    dns?: string[];
    ip?: string[];
    serial?: string;
  },
): Promise<string> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const sans = [
    ...(opts.dns ?? []).map((v) => ({ type: "dns" as const, value: v })),
    ...(opts.ip ?? []).map((v) => ({ type: "ip" as const, value: v })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber:
      opts.serial ??
      Math.floor(Math.random() * 1e12)
        .toString(16)
        .padStart(12, "0"),
    subject: `CN=${opts.cn}${opts.o ? `, O=${opts.o}` : ""}`,
    issuer: ca.cert.subject,
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    signingAlgorithm: alg,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([
        opts.server ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
      ]),
      ...(sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : []),
    ],
  });
  return cert.toString("pem");
}

export const daysFrom = (now: Date, days: number) => new Date(now.getTime() + days * 86_400_000);
