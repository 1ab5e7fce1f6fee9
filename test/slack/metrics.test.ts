import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Bot } from "../../src/main/start-bot.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { cleanupPrefix, newPrefix, simInventory, startTestBot, testEnv, waitFor } from "./helpers/harness.js";
import { parsePrometheus, type Sample } from "./helpers/parse-prometheus.js";

const ns = namespacesAvailable();
const DATA_DIR = "/var/lib/rancher/rke2/";

describe.skipIf(!ns.ok)(
  "/metrics: x509-certificate-exporter series from the latest scan, shared across processes",
  () => {
    const redisUrl = inject("redisUrl");
    const prefix = newPrefix();
    let sim: SimCluster;
    let fake: FakeSlack;
    let web: Bot;
    let worker: Bot;

    beforeAll(async () => {
      const nodes = standardNodes(2, 1);
      nodes[1]!.certs = { overrides: { "server/tls/client-scheduler.crt": { notAfterDays: -3 } } };
      nodes[2]!.certs = { corrupt: { "agent/client-kube-proxy.crt": "garbage" } };
      [sim, fake] = await Promise.all([startSimCluster({ name: "sim", nodes }), startFakeSlack()]);
      const inventory = simInventory(sim);
      worker = await startTestBot(fake, {
        env: testEnv(fake, redisUrl, { ROLE: "worker" }),
        inventory,
        prefix,
      });
      web = await startTestBot(fake, { env: testEnv(fake, redisUrl, { ROLE: "web" }), inventory, prefix });
    });
    afterAll(async () => {
      await Promise.all([web?.stop(2000), worker?.stop(2000)]);
      await Promise.all([sim?.stop(), fake?.close()]);
      await cleanupPrefix(redisUrl, prefix);
    });

    const scrape = async (bot: Bot) => {
      const res = await fetch(`http://127.0.0.1:${bot.port}/metrics`);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      return parsePrometheus(await res.text());
    };
    const series = (samples: Sample[], name: string) => samples.filter((s) => s.name === name);

    it("has no certificate series before any scan", async () => {
      expect(series((await scrape(web)).samples, "x509_cert_not_after")).toEqual([]);
    });

    it("reflects a scan run by the worker process on the web process, with values equal to the certificates' dates", async () => {
      const r = await fake.slashCommand("certs sim", "U0ALICE", { channel: "C0PRODOPS" });
      await fake.waitForResponses(r.responseUrl, 1, 30_000);
      const started = Date.now();
      const { types, samples } = await waitFor(
        async () => {
          const m = await scrape(web);
          return series(m.samples, "x509_cert_not_after").length > 0 ? m : undefined;
        },
        30_000,
        "certificate series on the web process",
      );
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(types.get("x509_cert_not_after")).toBe("gauge");
      expect(types.get("x509_source_errors_total")).toBe("counter");

      let checked = 0;
      for (const s of series(samples, "x509_cert_not_after")) {
        expect(Object.keys(s.labels).sort()).toEqual(EXPORTER_LABELS);
        expect(s.labels.filename).toBe(s.labels.filepath!.split("/").pop());
        if (!s.labels.filepath!.startsWith(DATA_DIR) || s.labels.embedded_kind) continue;
        const simNode = sim.nodes.find((n) => n.name === s.labels.node)!;
        const onDisk = certsInFile(join(simNode.dataDir, s.labels.filepath!.slice(DATA_DIR.length)));
        const cert = onDisk.find((c) => normalSerial(c.serialNumber) === s.labels.serial_number);
        expect(cert, `${s.labels.node} ${s.labels.filepath}`).toBeDefined();
        expect(s.value).toBe(Date.parse(cert!.validTo) / 1000);
        const nb = series(samples, "x509_cert_not_before").find((x) => sameSeries(x, s));
        expect(nb?.value).toBe(Date.parse(cert!.validFrom) / 1000);
        const expired = series(samples, "x509_cert_expired").find((x) => sameSeries(x, s));
        expect(expired?.value).toBe(Date.parse(cert!.validTo) <= Date.now() ? 1 : 0);
        expect(s.labels.subject_CN).toBe(/CN=([^\n,]+)/.exec(cert!.subject)?.[1] ?? "");
        expect(s.labels.issuer_CN).toBe(/CN=([^\n,]+)/.exec(cert!.issuer)?.[1] ?? "");
        expect(s.labels.subject_O).toBe(/O=([^\n,]+)/.exec(cert!.subject)?.[1] ?? "");
        checked++;
      }
      expect(checked).toBeGreaterThan(40);
      const expired = series(samples, "x509_cert_expired").filter((s) => s.value === 1);
      expect(expired.map((s) => `${s.labels.node} ${s.labels.filepath}`)).toContain(
        `cp-2 ${DATA_DIR}server/tls/client-scheduler.crt`,
      );
      // Every readable certificate has a SAN-drift series; this cluster's serving certs all match.
      const san = series(samples, "rke2_chatops_cert_san_mismatch");
      expect(san).toHaveLength(series(samples, "x509_cert_not_after").length);
      expect(san.every((s) => s.value === 0)).toBe(true);
      const errors = series(samples, "x509_source_errors_total").filter((s) => s.value > 0);
      expect(errors).toEqual([
        {
          name: "x509_source_errors_total",
          labels: {
            cluster: "sim",
            node: "agent-1",
            source_kind: "file",
            source_name: "sim/agent-1",
            reason: "no_certificate_found",
          },
          value: 1,
        },
      ]);
      const certErrors = series(samples, "x509_cert_error");
      expect(certErrors.filter((s) => s.value === 1).map((s) => s.labels)).toEqual([
        {
          cluster: "sim",
          node: "agent-1",
          filename: "client-kube-proxy.crt",
          filepath: `${DATA_DIR}agent/client-kube-proxy.crt`,
          embedded_kind: "",
          embedded_key: "",
        },
      ]);
      expect(certErrors.length).toBeGreaterThan(20);
      expect(
        series(samples, "x509_read_errors")
          .map((s) => [s.labels.node, s.value])
          .sort(),
      ).toEqual([
        ["agent-1", 1],
        ["cp-1", 0],
        ["cp-2", 0],
      ]);
      expect(
        series(samples, "x509_source_up")
          .filter((s) => s.labels.source_kind === "file")
          .map((s) => [s.labels.source_name, s.value])
          .sort(),
      ).toEqual([
        ["sim/agent-1", 1],
        ["sim/cp-1", 1],
        ["sim/cp-2", 1],
      ]);
      expect(series(samples, "x509_exporter_build_info")).toEqual([
        expect.objectContaining({ labels: expect.objectContaining({ version: "0.1.0" }), value: 1 }),
      ]);
      // The admin kubeconfig: its client certificate and its cluster CA, named by their entries.
      const admin = series(samples, "x509_cert_not_after").filter(
        (s) => s.labels.node === "cp-1" && s.labels.filepath === "/etc/rancher/rke2/rke2.yaml",
      );
      expect(admin.map((s) => [s.labels.embedded_kind, s.labels.embedded_key, s.labels.subject_CN])).toEqual(
        expect.arrayContaining([
          ["cluster", "default", expect.stringMatching(/^rke2-server-ca@/)],
          ["user", "default", "system:admin"],
        ]),
      );
    });

    it("counts the bot's own jobs and Slack calls", async () => {
      const w = (await scrape(worker)).samples;
      expect(w).toContainEqual({
        name: "rke2_chatops_jobs_total",
        labels: { queue: "scan", outcome: "completed" },
        value: 1,
      });
      expect(w).toContainEqual({
        name: "rke2_chatops_slack_api_calls_total",
        labels: { method: "response_url", outcome: "ok" },
        value: 1,
      });
      const webSamples = (await scrape(web)).samples;
      const authTests = webSamples.find(
        (x) => x.name === "rke2_chatops_slack_api_calls_total" && x.labels.method === "auth.test",
      );
      expect(authTests).toMatchObject({ labels: { outcome: "ok" } });
      expect(authTests!.value).toBeGreaterThanOrEqual(1);
    });
  },
);

function certsInFile(path: string): X509Certificate[] {
  const pem = readFileSync(path, "utf8");
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (b) => new X509Certificate(b),
  );
}
// Go's SerialNumber.String(), which the exporter prints: decimal.
const normalSerial = (hex: string) => BigInt(`0x${hex}`).toString(10);
const DN = ["C", "ST", "L", "O", "OU", "CN"];
const EXPORTER_LABELS = [
  "cluster",
  "node",
  "filename",
  "filepath",
  "embedded_kind",
  "embedded_key",
  "serial_number",
  ...DN.map((f) => `issuer_${f}`),
  ...DN.map((f) => `subject_${f}`),
].sort();
const sameSeries = (a: Sample, b: Sample) => JSON.stringify(a.labels) === JSON.stringify(b.labels);
