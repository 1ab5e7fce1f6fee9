import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Bot } from "../../src/main/start-bot.js";
import { readAudit } from "../../src/queue/audit-stream.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { cleanupPrefix, newPrefix, simInventory, startTestBot, testEnv } from "./helpers/harness.js";

const ns = namespacesAvailable();
const CLIENT_FP = (file: string) =>
  `sed -n 's/^ *client-certificate-data: *//p' ${file} | head -n 1 | base64 -d | openssl x509 -outform DER | sha256sum | cut -d' ' -f1`;

describe.skipIf(!ns.ok)("/rke2 refresh-kubeconfigs: approvers replace stale ~/.kube/config copies", () => {
  const redisUrl = inject("redisUrl");
  const prefix = newPrefix();
  let sim: SimCluster;
  let fake: FakeSlack;
  let bot: Bot;

  beforeAll(async () => {
    [sim, fake] = await Promise.all([
      startSimCluster({ name: "sim", nodes: standardNodes(2, 1) }),
      startFakeSlack(),
    ]);
    bot = await startTestBot(fake, { env: testEnv(fake, redisUrl), inventory: simInventory(sim), prefix });
    // A stale copy on cp-1: another admin client certificate (cp-2's), an external server: address.
    const other = await sim.ssh("cp-2", "cat /etc/rancher/rke2/rke2.yaml");
    const b64 = Buffer.from(other.stdout).toString("base64");
    const r = await sim.ssh(
      "cp-1",
      `mkdir -p ~/.kube && echo ${b64} | base64 -d | sed 's#server: .*#server: https://rke2.example.com:6443#' > ~/.kube/config`,
    );
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    await bot?.stop(2000);
    await Promise.all([sim?.stop(), fake?.close()]);
    await cleanupPrefix(redisUrl, prefix);
  });

  const run = async (user: string): Promise<string> => {
    const r = await fake.slashCommand("refresh-kubeconfigs sim", user, { channel: "C0PRODOPS" });
    const got = await fake.waitForResponses(r.responseUrl, 1, 30_000);
    return JSON.stringify(got.at(-1)!.body);
  };

  it("refuses anyone but an approver and changes nothing", async () => {
    const before = await sim.ssh("cp-1", "cat ~/.kube/config");
    const answer = await run("U0ALICE");
    expect(answer).toContain("Only approvers of sim may refresh kubeconfig copies");
    expect((await sim.ssh("cp-1", "cat ~/.kube/config")).stdout).toBe(before.stdout);
  });

  it("replaces the stale copy for an approver, keeping its server:, and posts no key material", async () => {
    const answer = await run("U0APPROVER1");
    expect(answer).toContain("cp-1:/root/.kube/config");
    expect(answer).not.toMatch(/PRIVATE KEY|client-key-data|BEGIN/);
    const copy = await sim.ssh("cp-1", CLIENT_FP("~/.kube/config"));
    const cur = await sim.ssh("cp-1", CLIENT_FP("/etc/rancher/rke2/rke2.yaml"));
    expect(copy.stdout.trim()).toBe(cur.stdout.trim());
    expect((await sim.ssh("cp-1", "grep 'server:' ~/.kube/config")).stdout.trim()).toBe(
      "server: https://rke2.example.com:6443",
    );
    expect(await run("U0APPROVER1")).toContain("No stale kubeconfig copy on the servers");
  });

  it("audits every refresh and refusal: who, which cluster, which copies were replaced", async () => {
    const found = await readAudit(bot.redis, prefix, simInventory(sim), "sim");
    const rs = found!.records.filter((r) => r.action === "refresh-kubeconfigs");
    expect(rs.map((r) => [r.actorId, r.operation, r.cluster, r.outcome])).toEqual([
      ["U0ALICE", "-", "sim", "refused: Only approvers of sim may refresh kubeconfig copies."],
      ["U0APPROVER1", "-", "sim", "replaced cp-1:/root/.kube/config"],
      ["U0APPROVER1", "-", "sim", "nothing stale"],
    ]);
  });

  it("routes a Refresh kubeconfig copies click through Bolt; a button of no completed operation is refused", async () => {
    const value = JSON.stringify({ op: "rot-nosuchop", token: "abc" });
    const r = await fake.clickButton({ actionId: "refresh-kubeconfigs", value, user: "U0APPROVER1" });
    const got = await fake.waitForResponses(r.responseUrl, 1, 30_000);
    expect(JSON.stringify(got.at(-1)!.body)).toContain("This button is out of date");
  });
});
