import { beforeAll, describe, expect, it } from "vitest";
import { extractCerts } from "../../src/certs/extract-certs.js";
import { splitPemCertificates } from "../../src/certs/parse-pem.js";
import { classifyCert } from "../../src/certs/classify.js";
import { daysFrom, makeCa, makeLeaf, type TestCa } from "../support/make-cert.js";

const now = new Date("2026-11-23T12:00:00Z");
const policy = { renewalWindowDays: 120, alertDays: [30, 14, 7, 3, 1] };
let ca: TestCa;
let bundle: string;

beforeAll(async () => {
  ca = await makeCa("rke2-server-ca@1700000000", daysFrom(now, -400), daysFrom(now, 3250));
  const leaf = await makeLeaf(ca, {
    cn: "kube-apiserver",
    notBefore: daysFrom(now, -400),
    notAfter: daysFrom(now, 200),
    server: true,
    dns: ["cp-1", "localhost"],
    ip: ["10.0.0.11"],
    serial: "abc12",
  });
  bundle = leaf + ca.pem;
});

describe("extractCerts on .crt bundles", () => {
  it("parses the leaf and its CA with position, dates, usages and SANs", () => {
    const [leaf, caCert] = extractCerts(
      "/var/lib/rancher/rke2/server/tls/serving-kube-apiserver.crt",
      bundle,
    );
    expect(leaf?.source).toEqual({
      path: "/var/lib/rancher/rke2/server/tls/serving-kube-apiserver.crt",
      index: 0,
    });
    expect(leaf?.facts).toMatchObject({
      subjectCN: "kube-apiserver",
      issuerCN: "rke2-server-ca@1700000000",
      serial: "abc12",
      isCA: false,
      usages: ["ServerAuth"],
      sans: { dns: ["cp-1", "localhost"], ip: ["10.0.0.11"] },
      notAfter: daysFrom(now, 200).toISOString(),
    });
    expect(leaf?.facts?.fingerprint256).toMatch(/^[0-9a-f]{64}$/);
    expect(caCert?.source.index).toBe(1);
    expect(caCert?.facts).toMatchObject({
      isCA: true,
      usages: ["CertSign"],
      subjectCN: "rke2-server-ca@1700000000",
    });
  });

  it.each([
    ["empty file", "", /empty file/],
    ["whitespace only", "\n\n", /empty file/],
    ["garbage", "this is not a certificate\x00\x01", /no PEM data/],
    ["truncated PEM", () => bundle.slice(0, 200), /truncated PEM/],
  ] as Array<[string, string | (() => string), RegExp]>)(
    "reports %s as unreadable with a reason",
    (_name, content, reason) => {
      const out = extractCerts("/x/client-admin.crt", typeof content === "function" ? content() : content);
      expect(out).toHaveLength(1);
      expect(out[0]?.facts).toBeUndefined();
      expect(out[0]?.reason).toMatch(reason);
    },
  );

  it("reports a PEM block with corrupt DER as unreadable", () => {
    const out = extractCerts(
      "/x/a.crt",
      "-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n",
    );
    expect(out[0]?.reason).toMatch(/corrupt certificate/);
  });

  it("keeps readable blocks when a later block is truncated", () => {
    const out = extractCerts("/x/a.crt", bundle.slice(0, bundle.length - 40));
    expect(out[0]?.facts?.subjectCN).toBe("kube-apiserver");
    expect(out[1]?.reason).toMatch(/truncated/);
  });
});

describe("extractCerts on kubeconfigs", () => {
  it("reads client-certificate-data of every user and ignores file references", () => {
    const yaml = `apiVersion: v1
kind: Config
users:
- name: default
  user:
    client-certificate-data: ${Buffer.from(bundle).toString("base64")}
    client-key-data: c2VjcmV0
- name: other
  user:
    client-certificate: /var/lib/rancher/rke2/agent/client-kubelet.crt
`;
    const out = extractCerts("/etc/rancher/rke2/rke2.yaml", yaml);
    expect(out).toHaveLength(2);
    expect(out[0]?.source).toEqual({
      path: "/etc/rancher/rke2/rke2.yaml",
      index: 0,
      field: "users[0].user.client-certificate-data",
      embedded: { kind: "user", key: "default" },
    });
    expect(out[0]?.facts?.subjectCN).toBe("kube-apiserver");
  });

  it("reads the cluster CA (certificate-authority-data) as embedded_kind cluster, named by its entry", () => {
    const yaml = `clusters:\n- cluster:\n    certificate-authority-data: ${Buffer.from(bundle).toString("base64")}\n  name: local\n`;
    const out = extractCerts("/var/lib/rancher/rke2/agent/kubelet.kubeconfig", yaml);
    expect(out.map((c) => [c.source.embedded, c.source.field, c.source.index])).toEqual([
      [{ kind: "cluster", key: "local" }, "clusters[0].cluster.certificate-authority-data", 0],
      [{ kind: "cluster", key: "local" }, "clusters[0].cluster.certificate-authority-data", 1],
    ]);
  });

  it("reports a kubeconfig that is not YAML", () => {
    expect(extractCerts("/etc/rancher/rke2/rke2.yaml", "users: [\n  - : :")[0]?.reason).toMatch(
      /not valid YAML/,
    );
  });
});

describe("classifyCert", () => {
  const facts = (nb: number, na: number, isCA = false) => ({
    subjectCN: "x",
    subjectO: [],
    issuerCN: "ca",
    serial: "1",
    fingerprint256: "0".repeat(64),
    sans: { dns: [], ip: [] },
    usages: [],
    isCA,
    notBefore: daysFrom(now, nb).toISOString(),
    notAfter: daysFrom(now, na).toISOString(),
  });
  it.each([
    [200, "ok"],
    [120.5, "ok"],
    [119, "renewal-window"],
    [2, "renewal-window"],
    [0.5, "critical"],
    [-0.01, "expired"],
    [-30, "expired"],
  ])("a leaf with %d days left is %s", (left, status) => {
    expect(classifyCert(facts(-100, left), policy, now)).toBe(status);
  });
  it("a certificate whose not-before is in the future is not-yet-valid", () => {
    expect(classifyCert(facts(2, 300), policy, now)).toBe("not-yet-valid");
  });
  it("the renewal window is a setting, not 120", () => {
    expect(classifyCert(facts(-100, 100), { ...policy, renewalWindowDays: 90 }, now)).toBe("ok");
  });
  it("critical follows the smallest alert threshold", () => {
    expect(classifyCert(facts(-100, 6), { ...policy, alertDays: [30, 7] }, now)).toBe("critical");
  });
  it("a CA uses RKE2's one-year CA warning window", () => {
    expect(classifyCert(facts(-100, 300, true), policy, now)).toBe("renewal-window");
    expect(classifyCert(facts(-100, 400, true), policy, now)).toBe("ok");
  });
});

describe("splitPemCertificates", () => {
  it("finds every block of a bundle", () => {
    expect(splitPemCertificates(bundle).map((b) => b.index)).toEqual([0, 1]);
  });
});
