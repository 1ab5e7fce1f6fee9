import { parse as parseYaml } from "yaml";
import type { CertFacts, CertSource } from "./cert-types.js";
import { splitPemCertificates } from "./parse-pem.js";
import { parseCertificate } from "./parse-x509.js";

/** A certificate found in a file: parsed facts, or the reason it cannot be read. */
export interface ExtractedCert {
  source: CertSource;
  facts?: CertFacts;
  reason?: string;
}

const isKubeconfig = (path: string) =>
  path.endsWith(".kubeconfig") || path.endsWith(".yaml") || path.endsWith(".yml");

/** Every certificate in one file: PEM bundles (.crt) or client certificates embedded in kubeconfigs. */
export function extractCerts(path: string, content: string): ExtractedCert[] {
  return isKubeconfig(path) ? fromKubeconfig(path, content) : fromPem(path, content);
}

function fromPem(
  path: string,
  content: string,
  kc?: Pick<CertSource, "field" | "embedded">,
): ExtractedCert[] {
  return splitPemCertificates(content).map((b) => {
    const source: CertSource = { path, index: b.index, ...kc };
    if ("error" in b) return { source, reason: b.error };
    try {
      return { source, facts: parseCertificate(b.der) };
    } catch (err) {
      return { source, reason: `corrupt certificate: ${(err as Error).message}` };
    }
  });
}

type Entry = { name?: unknown } & Record<string, Record<string, unknown> | undefined>;

/** Embedded client certificates (users) and cluster CAs (clusters), named like the exporter names them. */
function fromKubeconfig(path: string, content: string): ExtractedCert[] {
  let doc: unknown;
  try {
    doc = parseYaml(content);
  } catch (err) {
    return [
      {
        source: { path, index: 0 },
        reason: `kubeconfig is not valid YAML: ${(err as Error).message.split("\n")[0]}`,
      },
    ];
  }
  const d = (doc ?? {}) as { clusters?: Entry[]; users?: Entry[] };
  const out: ExtractedCert[] = [];
  const each = (list: Entry[] | undefined, kind: "cluster" | "user", key: string) =>
    (Array.isArray(list) ? list : []).forEach((e, i) => {
      const data = e?.[kind]?.[key];
      if (typeof data !== "string") return; // file references are read where the file lives
      const embedded = { kind, key: typeof e.name === "string" ? e.name : "" };
      const field = `${kind}s[${i}].${kind}.${key}`;
      out.push(...fromPem(path, Buffer.from(data, "base64").toString("utf8"), { field, embedded }));
    });
  each(d.clusters, "cluster", "certificate-authority-data");
  each(d.users, "user", "client-certificate-data");
  return out;
}
