import { parse as parseYaml } from "yaml";
import type { CertFacts, CertSource } from "./cert-types.js";
import { readKubeconfigCertLines, type KubeconfigCertField } from "./kubeconfig-lines.js";
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
  const fields = readKubeconfigCertLines(content) ?? fromYaml(content);
  if ("error" in fields) return [{ source: { path, index: 0 }, reason: fields.error }];
  return fields.flatMap((f) => {
    const embedded = { kind: f.kind, key: f.name };
    const field = `${f.kind}s[${f.index}].${f.kind}.${f.key}`;
    return fromPem(path, Buffer.from(f.data, "base64").toString("utf8"), { field, embedded });
  });
}

/** The same fields through a YAML parse, for kubeconfigs outside the plain block layout. */
function fromYaml(content: string): KubeconfigCertField[] | { error: string } {
  let doc: unknown;
  try {
    doc = parseYaml(content);
  } catch (err) {
    return { error: `kubeconfig is not valid YAML: ${(err as Error).message.split("\n")[0]}` };
  }
  const d = (doc ?? {}) as { clusters?: Entry[]; users?: Entry[] };
  const out: KubeconfigCertField[] = [];
  const each = (list: Entry[] | undefined, kind: "cluster" | "user", key: KubeconfigCertField["key"]) =>
    (Array.isArray(list) ? list : []).forEach((e, index) => {
      const data = e?.[kind]?.[key];
      if (typeof data !== "string") return; // file references are read where the file lives
      out.push({ kind, index, name: typeof e.name === "string" ? e.name : "", key, data });
    });
  each(d.clusters, "cluster", "certificate-authority-data");
  each(d.users, "user", "client-certificate-data");
  return out;
}
