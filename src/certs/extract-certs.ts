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

function fromPem(path: string, content: string, field?: string): ExtractedCert[] {
  return splitPemCertificates(content).map((b) => {
    const source: CertSource = field ? { path, index: b.index, field } : { path, index: b.index };
    if ("error" in b) return { source, reason: b.error };
    try {
      return { source, facts: parseCertificate(b.der) };
    } catch (err) {
      return { source, reason: `corrupt certificate: ${(err as Error).message}` };
    }
  });
}

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
  const users = (doc as { users?: Array<{ user?: Record<string, unknown> }> } | null)?.users ?? [];
  const out: ExtractedCert[] = [];
  users.forEach((u, i) => {
    const data = u.user?.["client-certificate-data"];
    if (typeof data !== "string") return; // file references are read where the file lives
    const field = `users[${i}].user.client-certificate-data`;
    out.push(...fromPem(path, Buffer.from(data, "base64").toString("utf8"), field));
  });
  return out;
}
