import type { CertRecord } from "./cert-types.js";

/**
 * A "dark API": the cluster runs, but kubectl on the servers is refused because the admin or API
 * server certificates expired (245+ days without a restart). Pure: recognised from the scan and
 * from kubectl's own error text; the rotation is the fix.
 */

/** kubectl's words when a credential is refused or cannot be verified, as opposed to an API that is down. */
const CREDENTIAL_ERRORS = [
  /You must be logged in to the server/i,
  /\bUnauthorized\b/,
  /x509: certificate has expired or is not yet valid/i,
  /tls: expired certificate/i,
];

export const isCredentialError = (text: string): boolean => CREDENTIAL_ERRORS.some((r) => r.test(text));

export type DarkCertKind = "admin certificate" | "API server certificate" | "client certificate";

export interface ExpiredCredential {
  node: string;
  kind: DarkCertKind;
  path: string;
  notAfter: string;
  notBefore: string;
  /** expired, or not valid yet (clock skew at issue). */
  state: "expired" | "not-yet-valid";
}

const DAY_MS = 86_400_000;

function kindOf(path: string): DarkCertKind | undefined {
  if (path.endsWith("/server/tls/client-admin.crt") || path === "/etc/rancher/rke2/rke2.yaml")
    return "admin certificate";
  if (path.endsWith("/server/tls/serving-kube-apiserver.crt")) return "API server certificate";
  if (/\/server\/tls\/client-[^/]+\.crt$/.test(path)) return "client certificate";
  return undefined;
}

/** A server's leaf certificates that stop the API from answering kubectl (or its components from talking). */
export function expiredApiCredentials(certs: readonly CertRecord[], now: Date): ExpiredCredential[] {
  const t = now.getTime();
  return certs.flatMap((c) => {
    const kind = kindOf(c.source.path);
    if (!kind || !c.facts || c.facts.isCA) return [];
    const expired = Date.parse(c.facts.notAfter) < t;
    const early = Date.parse(c.facts.notBefore) > t;
    if (!expired && !early) return [];
    return [
      {
        node: c.node,
        kind,
        path: c.source.path,
        notAfter: c.facts.notAfter,
        notBefore: c.facts.notBefore,
        state: expired ? ("expired" as const) : ("not-yet-valid" as const),
      },
    ];
  });
}

/** kubectl with rke2.yaml cannot work on this server: its admin or API server certificate is not valid now. */
export const blocksKubectl = (creds: readonly ExpiredCredential[]): boolean =>
  creds.some((c) => c.kind !== "client certificate");

export interface DarkApiFinding {
  /** servers -> what is expired there. */
  servers: Map<string, ExpiredCredential[]>;
  /** "the admin certificate expired 5 days ago on every server" */
  sentence: string;
}

const ago = (now: Date, iso: string) => {
  const d = Math.floor((now.getTime() - Date.parse(iso)) / DAY_MS);
  return d <= 0 ? "today" : d === 1 ? "1 day ago" : `${d} days ago`;
};

function phrase(kind: DarkCertKind, list: ExpiredCredential[], where: string, now: Date): string {
  const first = [...list].sort((a, b) => Date.parse(a.notAfter) - Date.parse(b.notAfter))[0]!;
  const names = [...new Set(list.map((c) => c.path.split("/").pop()!))];
  const what = kind === "client certificate" ? `client certificate ${names.join(", ")}` : kind;
  return first.state === "expired"
    ? `the ${what} expired ${ago(now, first.notAfter)} ${where}`
    : `the ${what} is not valid before ${first.notBefore.slice(0, 16).replace("T", " ")} UTC ${where}`;
}

/**
 * Dark when every server's own kubectl is blocked by an expired admin or API server certificate.
 * `perServer`: every server of the cluster (a server missing from the map was not scanned: not dark).
 */
export function findDarkApi(
  perServer: ReadonlyMap<string, readonly ExpiredCredential[]>,
  servers: readonly string[],
  now: Date,
): DarkApiFinding | undefined {
  if (servers.length === 0 || !servers.every((s) => blocksKubectl(perServer.get(s) ?? []))) return undefined;
  const all = servers.flatMap((s) => [...(perServer.get(s) ?? [])]);
  const kinds: DarkCertKind[] = ["admin certificate", "API server certificate", "client certificate"];
  const parts = kinds.flatMap((k) => {
    const list = all.filter((c) => c.kind === k);
    if (list.length === 0) return [];
    const on = [...new Set(list.map((c) => c.node))];
    return [phrase(k, list, on.length === servers.length ? "on every server" : `on ${on.join(", ")}`, now)];
  });
  return {
    servers: new Map(servers.map((s) => [s, [...(perServer.get(s) ?? [])]])),
    sentence: parts.join("; "),
  };
}

/** The same finding from a whole scan (reports, alerts): servers' records grouped by node. */
export function darkApiFromScan(
  nodes: ReadonlyArray<{ node: string; role: "server" | "agent"; certs?: readonly CertRecord[] }>,
  now: Date,
): DarkApiFinding | undefined {
  const servers = nodes.filter((n) => n.role === "server");
  const per = new Map(
    servers.flatMap((n) => (n.certs ? [[n.node, expiredApiCredentials(n.certs, now)] as const] : [])),
  );
  return findDarkApi(
    per,
    servers.map((n) => n.node),
    now,
  );
}
