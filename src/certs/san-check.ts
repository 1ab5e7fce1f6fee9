import { isIP } from "node:net";
import type { CertFacts } from "./cert-types.js";

/** Serving certificates whose SANs must cover the node's identity (path suffixes). */
const SERVING_CERTS = [
  "/server/tls/serving-kube-apiserver.crt",
  "/agent/serving-kubelet.crt",
  "/server/tls/etcd/server-client.crt",
  "/server/tls/etcd/peer-server-client.crt",
];

export function isServingCert(path: string): boolean {
  return SERVING_CERTS.some((s) => path.endsWith(s));
}

/**
 * Names of the node's identity (inventory name and address) that a serving certificate does not
 * cover, or [] when it covers them all. A drift here breaks TLS after a rename or readdressing.
 */
export function missingSans(facts: CertFacts, identity: { name: string; host: string }): string[] {
  const dns = new Set(facts.sans.dns.map((d) => d.toLowerCase()));
  const ips = new Set(facts.sans.ip);
  const missing: string[] = [];
  if (!dns.has(identity.name.toLowerCase())) missing.push(identity.name);
  const host = identity.host.replace(/^\[|\]$/g, "");
  if (isIP(host) ? !ips.has(host) : !dns.has(host.toLowerCase())) {
    if (host !== identity.name) missing.push(host);
  }
  return missing;
}
