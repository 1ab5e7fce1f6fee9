import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readKubeconfigCertLines, type KubeconfigCertField } from "../../src/certs/kubeconfig-lines.js";
import { KUBECONFIG_CERT_FILTER } from "../../src/rke2/read-cert-files.js";

type Entry = { name?: unknown } & Record<string, Record<string, unknown> | undefined>;

/** What a YAML parse reads from the same text: the reference the line reader must equal. */
function viaYaml(text: string): KubeconfigCertField[] {
  const d = (parse(text) ?? {}) as { clusters?: Entry[]; users?: Entry[] };
  const out: KubeconfigCertField[] = [];
  const each = (list: Entry[] | undefined, kind: "cluster" | "user", key: KubeconfigCertField["key"]) =>
    (list ?? []).forEach((e, index) => {
      const data = e?.[kind]?.[key];
      if (typeof data === "string")
        out.push({ kind, index, name: typeof e.name === "string" ? e.name : "", key, data });
    });
  each(d.clusters, "cluster", "certificate-authority-data");
  each(d.users, "user", "client-certificate-data");
  return out;
}

/** The node-side filter, run by the same POSIX awk the nodes have. */
const filtered = (text: string) => execFileSync("awk", [KUBECONFIG_CERT_FILTER], { input: text }).toString();

const RKE2_YAML = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0FEQVRB
    server: https://127.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    client-certificate-data: VVNFUkRBVEE=
    client-key-data: S0VZ
`;

const INDENTED = `# written by another tool
users:
  - name: file-based
    user:
      client-certificate: /var/lib/rancher/rke2/agent/client-kubelet.crt
  - user:
      exec:
        command: get-token
        args:
          - --client-certificate-data: not-this-one
      client-certificate-data: U0VDT05E
    name: "quoted-later"
  - name: third
    user:
      token: abc
      client-certificate-data: VEhJUkQ=
clusters:
  - name: c1
    cluster:
      certificate-authority: /x/ca.crt
  - name: c2
    cluster:
      certificate-authority-data: QzI=
`;

describe("readKubeconfigCertLines reads what a YAML parse reads", () => {
  it.each([
    ["rke2.yaml as RKE2 writes it", RKE2_YAML],
    ["rke2.yaml after the node-side filter", filtered(RKE2_YAML)],
    [
      "the filter's output of an indented kubeconfig (quoted names dropped to plain by the filter)",
      filtered(INDENTED.replace('"quoted-later"', "later")),
    ],
    ["an indented layout with exec args and file references", INDENTED.replace('"quoted-later"', "later")],
    [
      "a file-based kubeconfig (no embedded data)",
      "users:\n- name: u\n  user:\n    client-certificate: /a.crt\n",
    ],
    ["an empty file", ""],
  ])("%s", (_name, text) => {
    const lines = readKubeconfigCertLines(text);
    expect(lines).toBeDefined();
    expect(lines).toEqual(viaYaml(text));
  });

  it("keeps entry positions, names and kinds", () => {
    expect(readKubeconfigCertLines(RKE2_YAML)).toEqual([
      { kind: "cluster", index: 0, name: "default", key: "certificate-authority-data", data: "Q0FEQVRB" },
      { kind: "user", index: 0, name: "default", key: "client-certificate-data", data: "VVNFUkRBVEE=" },
    ]);
  });
});

describe("readKubeconfigCertLines leaves other layouts to YAML", () => {
  it.each([
    ["flow style", "users: [{name: a, user: {client-certificate-data: QQ==}}]\n"],
    ["a quoted name", 'users:\n- name: "a b"\n  user:\n    client-certificate-data: QQ==\n'],
    ["a quoted value", "users:\n- name: a\n  user:\n    client-certificate-data: 'QQ=='\n"],
    [
      "a duplicate key",
      "users:\n- name: a\n  user:\n    client-certificate-data: QQ==\n    client-certificate-data: Qg==\n",
    ],
    ["a duplicate section", "users:\n- name: a\nusers:\n- name: b\n"],
    ["tabs", "users:\n-\tname: a\n"],
    ["an anchor", "users: &u\n- name: a\n"],
    ["several documents", "---\nusers:\n- name: a\n"],
    ["a block scalar", "users:\n- name: a\n  user:\n    client-certificate-data: |\n      QQ==\n"],
  ])("%s", (_name, text) => {
    expect(readKubeconfigCertLines(text)).toBeUndefined();
  });
});
