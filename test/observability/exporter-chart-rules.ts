/**
 * The x509-certificate-exporter Helm chart's alerting rules, rendered with the chart's default values
 * (warningDaysLeft 28, criticalDaysLeft 14, no rulePrefix, no extra labels/annotations), copied from
 * github.com/enix/x509-certificate-exporter:
 * - v3: deploy/charts/x509-certificate-exporter/templates/prometheusrule.yaml at tag v3.21.0
 * - v4: chart/templates/prometheusrule.yaml (and the alertLocationSuffix helper in
 *   chart/templates/_helpers.tpl) at tag v4.2.0; the KubeTransportErrors, KeystorePassphraseFailures,
 *   CertificateNotYetValid, CertificateCollision and CRL rules watch series the bot has no source for
 *   (Kubernetes API, keystores, CRLs) and are left out.
 */
const loc =
  '{{if $labels.secret_name }}in Kubernetes secret "{{ $labels.secret_namespace }}/{{ $labels.secret_name }}"{{else}}at location "{{ $labels.filepath }}"{{end}}';
const loc4 =
  "{{if $labels.secret_name }}in Kubernetes secret `{{ $labels.secret_namespace }}/{{ $labels.secret_name }}`{{else}}at location `{{ $labels.filepath }}`{{end}}";

export const EXPORTER_V3_RULES = {
  groups: [
    {
      name: "x509-certificate-exporter.rules",
      rules: [
        {
          alert: "X509ExporterReadErrors",
          expr: "delta(x509_read_errors[15m]) > 0",
          for: "5m",
          labels: { severity: "warning" },
          annotations: {
            summary: "Increasing read errors for x509-certificate-exporter",
            description:
              "Over the last 15 minutes, this x509-certificate-exporter instance has experienced errors reading certificate files or querying the Kubernetes API. This could be caused by a misconfiguration if triggered when the exporter starts.",
          },
        },
        {
          alert: "CertificateError",
          expr: "x509_cert_error > 0",
          for: "15m",
          labels: { severity: "warning" },
          annotations: {
            summary: "Certificate cannot be decoded",
            description: `Certificate could not be decoded ${loc}`,
          },
        },
        {
          alert: "CertificateRenewal",
          expr: "(x509_cert_not_after - time()) < (28 * 86400)",
          for: "15m",
          labels: { severity: "warning" },
          annotations: {
            summary: "Certificate should be renewed",
            description: `Certificate for "{{ $labels.subject_CN }}" should be renewed as it expires in {{ humanizeDuration $value }} ${loc}`,
          },
        },
        {
          alert: "CertificateExpiration",
          expr: "(x509_cert_not_after - time()) < (14 * 86400)",
          for: "15m",
          labels: { severity: "critical" },
          annotations: {
            summary: "Certificate is about to expire",
            description: `Certificate for "{{ $labels.subject_CN }}" is about to expire in {{ humanizeDuration $value }} ${loc}`,
          },
        },
      ],
    },
  ],
};

const sourceErrors = "sum without (reason) (increase(x509_source_errors_total[15m])) > 5";
export const EXPORTER_V4_RULES = {
  groups: [
    {
      name: "x509-certificate-exporter.rules",
      rules: [
        {
          alert: "SourceErrors",
          expr: sourceErrors,
          for: "5m",
          labels: { severity: "warning" },
          annotations: {
            summary: "x509-certificate-exporter source is producing errors",
            description:
              "Source `{{ $labels.source_name }}` (kind `{{ $labels.source_kind }}`) recorded more than 5 errors over the last 15 minutes. This covers both bundle-level failures (parse errors on PEM/PKCS#12/JKS/DER, missing certs, bad passphrase) and transport-level failures from the Kubernetes API. Inspect `x509_source_errors_total` broken down by `reason` for the specific cause.",
          },
        },
        {
          alert: "SourceErrorsSustained",
          expr: sourceErrors,
          for: "30m",
          labels: { severity: "critical" },
          annotations: {
            summary: "x509-certificate-exporter source has been producing errors for 30+ minutes",
            description:
              "Source `{{ $labels.source_name }}` has had a sustained error rate (>5 events per 15min, continuously for 30 minutes). This is no longer a transient state — investigate the breakdown of `x509_source_errors_total` by reason to find the root cause.",
          },
        },
        {
          alert: "SourceDown",
          expr: "x509_source_up == 0",
          for: "5m",
          labels: { severity: "critical" },
          annotations: {
            summary: "x509-certificate-exporter source is not reporting healthy",
            description:
              "Source `{{ $labels.source_name }}` (kind `{{ $labels.source_kind }}`) failed its initial sync or has gone unhealthy. While this lasts, certificates it normally watches are not being checked — a silently expired cert is possible. Common causes are RBAC denials, persistent K8s API errors, or unreadable file paths.",
          },
        },
        {
          alert: "CertificateError",
          expr: "x509_cert_error > 0",
          for: "15m",
          labels: { severity: "warning" },
          annotations: {
            summary: "Certificate cannot be decoded",
            description: `Certificate could not be decoded ${loc4}`,
          },
        },
        {
          alert: "CertificateRenewal",
          expr: "(x509_cert_not_after - time()) < (28 * 86400) and (x509_cert_not_after - time()) > 0",
          for: "15m",
          labels: { severity: "warning" },
          annotations: {
            summary: "Certificate should be renewed",
            description: `Certificate for \`{{ $labels.subject_CN }}\` should be renewed as it expires in {{ humanizeDuration $value }} ${loc4}`,
          },
        },
        {
          alert: "CertificateExpiration",
          expr: "(x509_cert_not_after - time()) < (14 * 86400)",
          for: "15m",
          labels: { severity: "critical" },
          annotations: {
            summary: "Certificate is expiring or expired",
            description: `Certificate for \`{{ $labels.subject_CN }}\` {{if lt $value 0.0}}expired {{ humanizeDuration $value }} ago{{else}}expires in {{ humanizeDuration $value }}{{end}} ${loc4}`,
          },
        },
      ],
    },
  ],
};
