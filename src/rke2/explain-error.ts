/** One entry of the operations guide's "Common Errors" catalogue. */
export interface KnownError {
  id: string;
  title: string;
  cause: string;
  fix: string;
  /** true when `/rke2 rotate` is the fix, so a button can start it. */
  rotateFixes: boolean;
  /** Whether live certificate facts help (expired certificates, tls-* backups). */
  wantsScan: boolean;
}

interface Pattern extends KnownError {
  match: RegExp;
}

// Patterns tolerate what operators paste: log prefixes, quoting, and line breaks inside the message.
const PATTERNS: Pattern[] = [
  {
    id: "cert-expired",
    match: /x509:\s*certificate\s+has\s+expired(\s+or\s+is\s+not\s+yet\s+valid)?/i,
    title: "x509: certificate has expired or is not yet valid",
    cause:
      "RKE2 certificates have expired: the service ran more than 245 days without a restart and missed the 120-day auto-renewal window (or the node clock is wrong).",
    fix: "Stop the service, run `rke2 certificate rotate`, start the service, then verify with `rke2 certificate check --output table`. The bot does this node by node with approvals.",
    rotateFixes: true,
    wantsScan: true,
  },
  {
    id: "expiration-warning",
    match: /\b(CA)?CertificateExpirationWarning\b/i,
    title: "CertificateExpirationWarning",
    cause: "Kubernetes raised an event because a certificate is within 120 days of expiry.",
    fix: "Schedule a maintenance window to restart RKE2 (which triggers auto-renewal) or rotate the certificates manually.",
    rotateFixes: true,
    wantsScan: true,
  },
  {
    id: "unknown-authority",
    match: /x509:\s*certificate\s+signed\s+by\s+unknown\s+authority/i,
    title: "Unable to connect to the server: x509: certificate signed by unknown authority",
    cause: "Your kubeconfig still holds the old client certificate after a rotation.",
    fix: "Copy the updated kubeconfig from a server: `cp /etc/rancher/rke2/rke2.yaml ~/.kube/config` (and fix its `server:` address when you use it remotely).",
    rotateFixes: false,
    wantsScan: false,
  },
  {
    id: "san-mismatch",
    match: /x509:\s*certificate\s+is\s+valid\s+for\s+[\s\S]{1,400}?,\s*not\s+\S+/i,
    title: "x509: certificate is valid for <old-names>, not <new-name>",
    cause:
      "The node's hostname or IP changed, and the certificate was issued for different Subject Alternative Names.",
    fix: "Rotate the certificates so they are regenerated with the node's current identity.",
    rotateFixes: true,
    wantsScan: true,
  },
  {
    id: "no-pem-data",
    match: /failed\s+to\s+find\s+any\s+PEM\s+data\s+in\s+certificate\s+input/i,
    title:
      'level=error msg="unable to start controller: tls: failed to find any PEM data in certificate input"',
    cause: "A certificate file is empty or corrupted, possibly from a failed rotation.",
    fix: "Restore the previous certificates from the timestamped backup under /var/lib/rancher/rke2/server/tls-*/, then retry the rotation.",
    rotateFixes: true,
    wantsScan: true,
  },
  {
    id: "plan-not-found",
    match: /plans\.upgrade\.cattle\.io\s+\\?"?server-plan\\?"?\s+not\s+found/i,
    title: 'Error from server (NotFound): plans.upgrade.cattle.io "server-plan" not found',
    cause: "The System Upgrade Controller Plan CRD is not installed, or the plan was not applied.",
    fix: "Check the CRD with `kubectl get crd plans.upgrade.cattle.io`, then apply the plan YAML (`/rke2 upgrade-plan <cluster> <target>` writes it).",
    rotateFixes: false,
    wantsScan: false,
  },
];

/** Recognise a pasted error; undefined when it matches nothing in the guide (never a guess). */
export function explainError(text: string): KnownError | undefined {
  const flat = text.replace(/\\n/g, "\n");
  const hit = PATTERNS.find((p) => p.match.test(flat));
  if (!hit) return undefined;
  const { match: _match, ...known } = hit;
  return known;
}
