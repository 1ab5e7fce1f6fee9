import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readKubeconfigCertLines } from "../../src/certs/kubeconfig-lines.js";
import { splitPemCertificates } from "../../src/certs/parse-pem.js";
import { parseCertificateFast } from "../../src/certs/parse-x509-fast.js";
import { parseCertificateFull } from "../../src/certs/parse-x509-full.js";
import { parseTailOutput, readCertFilesCommand } from "../../src/rke2/read-cert-files.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";

const ns = namespacesAvailable();

/** Every DER block of one node's scan output, as the scan reads it (files and kubeconfig fields). */
async function nodeCertificates(sim: SimCluster, node: string) {
  const res = await sim.ssh(node, readCertFilesCommand().line, 30_000);
  expect(res.code).toBe(0);
  const ders: Array<{ where: string; der: Buffer }> = [];
  let kubeconfigs = 0;
  for (const f of parseTailOutput(res.stdout)) {
    const pems: Array<[string, string]> = [];
    if (f.path.endsWith(".crt")) pems.push([f.path, f.content]);
    else {
      // Every kubeconfig leaves the node in the layout the line reader handles: no YAML parse.
      const fields = readKubeconfigCertLines(f.content);
      expect(fields, f.path).toBeDefined();
      kubeconfigs++;
      for (const k of fields!)
        pems.push([`${f.path} ${k.kind}s[${k.index}]`, Buffer.from(k.data, "base64").toString()]);
    }
    for (const [where, text] of pems)
      for (const b of splitPemCertificates(text))
        if ("der" in b) ders.push({ where: `${where}#${b.index}`, der: b.der });
  }
  return { ders, kubeconfigs };
}

describe.skipIf(!ns.ok)(
  `the fast X.509 parser on every certificate of a rig node ${ns.ok ? "" : ns.reason}`,
  () => {
    let sim: SimCluster;
    beforeAll(async () => {
      sim = await startSimCluster({ name: "fastparse", nodes: standardNodes(1, 1) });
    }, 60_000);
    afterAll(() => sim?.stop());

    it.each(["cp-1", "agent-1"])(
      "%s: the same facts as @peculiar/x509 for each certificate",
      async (node) => {
        const { ders, kubeconfigs } = await nodeCertificates(sim, node);
        expect(ders.length).toBeGreaterThan(node === "cp-1" ? 40 : 8);
        expect(kubeconfigs).toBeGreaterThan(0);
        for (const { where, der } of ders) {
          const fp = createHash("sha256").update(der).digest("hex");
          expect(parseCertificateFast(der, fp), where).toEqual(parseCertificateFull(der, fp));
        }
      },
    );
  },
);
