import type { CertRecord } from "./cert-types.js";

const day = (iso: string) => iso.slice(0, 10);

/** One sentence telling the on-call what to do about a problem certificate. */
export function adviceFor(rec: CertRecord, role: "server" | "agent"): string {
  const svc = role === "server" ? "rke2-server" : "rke2-agent";
  const rotate = `\`/rke2 rotate ${rec.cluster}\``;
  const f = rec.facts;
  switch (rec.status) {
    case "unreadable":
      return `restore ${rec.source.path} from the newest tls-<timestamp> backup on ${rec.node}, then rotate (${rotate})`;
    case "not-yet-valid":
      return `check the clock on ${rec.node} (timedatectl); the certificate is valid only from ${f ? day(f.notBefore) : "?"}`;
    case "san-mismatch":
      return `${rec.reason ?? "SANs drifted"}: rotate to regenerate it with the node's current identity (${rotate})`;
    case "expired":
      if (f?.isCA)
        return `CA expired on ${day(f.notAfter)}: restarts do not renew CAs; rotate the CA (\`rke2 certificate rotate-ca\`)`;
      return `expired on ${f ? day(f.notAfter) : "?"}: rotate now (${rotate}); TLS to ${rec.node} fails until then`;
    case "critical":
    case "renewal-window":
      if (f?.isCA)
        return `CA expires ${day(f.notAfter)}: restarts do not renew CAs; plan \`rke2 certificate rotate-ca\``;
      return `restart ${svc} on ${rec.node} before ${f ? day(f.notAfter) : "?"} to trigger auto-renewal, or ${rotate}`;
    default:
      return "";
  }
}
