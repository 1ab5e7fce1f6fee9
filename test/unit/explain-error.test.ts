import { describe, expect, it } from "vitest";
import { explainError } from "../../src/rke2/explain-error.js";

// Every Common Errors entry of the operations guide, verbatim plus two noisy variants each.
const cases: Array<[string, string[]]> = [
  [
    "cert-expired",
    [
      "x509: certificate has expired or is not yet valid",
      'E1123 08:01:02.123456    1234 reflector.go:138] failed to list *v1.Pod: Get "https://127.0.0.1:6443/api/v1/pods": x509: certificate has expired or is not yet valid: current time 2026-11-23T08:01:02Z is after 2026-11-20T09:41:00Z',
      'Nov 23 08:01:02 cp-1 rke2[812]: time="2026-11-23T08:01:02Z" level=error msg="... tls: failed to verify certificate: x509: certificate\n has expired or is not yet valid"',
    ],
  ],
  [
    "expiration-warning",
    [
      "CertificateExpirationWarning",
      "default   12m   Warning   CertificateExpirationWarning   node/cp-1   Node certificates require attention - restart rke2 on this node to trigger automatic rotation: kubelet/client-kubelet.crt: certificate system:node:cp-1 will expire within 120 days at 2027-01-10T09:41:00Z",
      "LAST SEEN TYPE REASON OBJECT MESSAGE\n5m Warning CACertificateExpirationWarning node/cp-2 CA certificates ...",
    ],
  ],
  [
    "unknown-authority",
    [
      "Unable to connect to the server: x509: certificate signed by unknown authority",
      'E1123 10:00:00.000000   4242 memcache.go:265] couldn\'t get current server API group list: Get "https://10.0.0.11:6443/api?timeout=32s": tls: failed to verify certificate: x509: certificate signed by unknown authority',
      '$ kubectl get nodes\nUnable to connect to the server: x509: certificate signed by\nunknown authority (possibly because of "crypto/rsa: verification error")',
    ],
  ],
  [
    "san-mismatch",
    [
      "error: error upgrading connection: error dialing backend: x509: certificate is valid for <old-names>, not <new-name>",
      'Error from server: Get "https://10.0.0.31:10250/containerLogs/default/web/web": x509: certificate is valid for 10.0.0.21, cp-old, not 10.0.0.31',
      "error dialing backend: x509: certificate is valid for\n  localhost, old-node, 127.0.0.1, not new-node",
    ],
  ],
  [
    "no-pem-data",
    [
      'level=error msg="unable to start controller: tls: failed to find any PEM data in certificate input"',
      'Nov 23 08:00:00 cp-2 rke2[99]: time="2026-11-23T08:00:00Z" level=fatal msg="starting kubernetes: preparing server: tls: failed to find any PEM data in certificate input"',
      "tls: failed to find any PEM\ndata in certificate input",
    ],
  ],
  [
    "plan-not-found",
    [
      'Error from server (NotFound): plans.upgrade.cattle.io "server-plan" not found',
      '$ kubectl -n system-upgrade get plan server-plan\nError from server (NotFound): plans.upgrade.cattle.io "server-plan" not found',
      '{"kind":"Status","message":"plans.upgrade.cattle.io \\"server-plan\\" not found","reason":"NotFound","code":404}',
    ],
  ],
];

describe("explainError", () => {
  for (const [id, texts] of cases) {
    it.each(texts)(`recognises ${id}: %s`, (text) => {
      const e = explainError(text);
      expect(e?.id).toBe(id);
      expect(e?.cause.length).toBeGreaterThan(20);
      expect(e?.fix.length).toBeGreaterThan(20);
    });
  }

  it.each([
    "connection refused",
    'error: the server doesn\'t have a resource type "plan"',
    "x509: certificate",
    "",
  ])("does not guess at %j", (text) => expect(explainError(text)).toBeUndefined());
});
