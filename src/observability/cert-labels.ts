import { basename } from "node:path";
import type { CertRecord, DnFields, NodeScanOk } from "../certs/cert-types.js";
import { serialDecimal } from "../certs/parse-x509.js";

const DN = ["C", "ST", "L", "O", "OU", "CN"] as const satisfies ReadonlyArray<keyof DnFields>;

/** Where a certificate is: x509-certificate-exporter's location labels, plus our `cluster` and `node`. */
export const LOCATION_LABELS = [
  "cluster",
  "node",
  "filename",
  "filepath",
  "embedded_kind",
  "embedded_key",
] as const;

/** The exporter's full certificate label set (v4 emits every one, empty when it does not apply). */
export const CERT_LABELS = [
  ...LOCATION_LABELS,
  "serial_number",
  ...DN.map((f) => `issuer_${f}` as const),
  ...DN.map((f) => `subject_${f}` as const),
] as const;
export type CertLabel = (typeof CERT_LABELS)[number];
export type LocationLabel = (typeof LOCATION_LABELS)[number];

export function locationLabels(
  n: { cluster: string; node: string },
  c: CertRecord,
): Record<LocationLabel, string> {
  return {
    cluster: n.cluster,
    node: n.node,
    filename: basename(c.source.path),
    filepath: c.source.path,
    embedded_kind: c.source.embedded?.kind ?? "",
    embedded_key: c.source.embedded?.key ?? "",
  };
}

export function certLabels(n: NodeScanOk, c: CertRecord): Record<CertLabel, string> {
  const f = c.facts;
  const labels = { ...locationLabels(n, c), serial_number: f ? serialDecimal(f.serial) : "" } as Record<
    CertLabel,
    string
  >;
  for (const k of DN) {
    // Facts stored before the full DN was parsed carry only the CNs.
    labels[`issuer_${k}`] = f?.issuer?.[k] ?? (k === "CN" ? (f?.issuerCN ?? "") : "");
    labels[`subject_${k}`] = f?.subject?.[k] ?? (k === "CN" ? (f?.subjectCN ?? "") : "");
  }
  return labels;
}

/** The exporter's source kind for a file: kubeconfigs are their own source kind. */
export const sourceKind = (c: CertRecord): "file" | "kubeconfig" =>
  c.source.embedded || /\.(kubeconfig|ya?ml)$/.test(c.source.path) ? "kubeconfig" : "file";

/** The exporter's reason code (`reason` of x509_source_errors_total) for why a record is unreadable. */
export function reasonCode(why: string | undefined): string {
  const w = why ?? "";
  if (/Permission denied/i.test(w)) return "permission_denied";
  if (/No such file/i.test(w)) return "not_found";
  if (w.startsWith("cannot read file")) return "read_failed";
  if (w.startsWith("kubeconfig is not valid YAML")) return "decode_failed";
  if (w.startsWith("corrupt certificate")) return "bad_der";
  if (/no PEM data|empty file/.test(w)) return "no_certificate_found";
  return "bad_pem";
}
