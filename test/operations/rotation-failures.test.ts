import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { checkMessageLimits } from "../../src/slack/blocks/limits.js";
import { find, MUTATING, ROTATE, START, STOP, cmd } from "./support/command-log.js";
import { APPROVERS, atGate, createHarness, finished, REQUESTER, type Harness } from "./support/harness.js";
import { buttonsOf, textOf } from "./support/recording-chat.js";

const avail = namespacesAvailable();

describe.skipIf(!avail.ok)("rotation failure handling", () => {
  let sim: SimCluster;
  let h: Harness;

  beforeAll(async () => {
    const nodes = standardNodes(3, 2);
    nodes[2]!.certs = { leafDays: 50 }; // cp-3 starts close to expiry (for the short-lifetime warning)
    sim = await startSimCluster({ name: "rotfail", nodes });
  });
  afterEach(async () => {
    await h?.close();
    for (const n of sim.nodes)
      for (const k of ["rotate-fail", "start-leaves-unchanged", "start-fail", "cert-expiration-days"])
        sim.setKnob(n.name, k, null);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  async function toServerRoll(): Promise<{ id: string; t1: number }> {
    const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
    expect(req.ok, req.message).toBe(true);
    const id = req.operationId!;
    expect((await h.click(id, "approve")).ok).toBe(true);
    await h.waitFor(id, atGate(1));
    const t1 = Date.now();
    expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
    return { id, t1 };
  }

  it(
    "rotate fails on cp-2: halts, cp-3 untouched, cp-2 serving; Retry after the fix; a renewal inside the window halts saying why",
    { timeout: 240_000 },
    async () => {
      h = await createHarness(sim, inject("redisUrl"));
      sim.setKnob("cp-2", "rotate-fail", "1");
      // cp-3 re-issues 100-day leaves (CATTLE_NEW_SIGNED_CERT_EXPIRATION_DAYS): new serials, later than
      // its 50-day leaves, but inside the 120-day window, so RKE2 would renew them again: not renewed.
      sim.setKnob("cp-3", "cert-expiration-days", "100");
      const { id, t1 } = await toServerRoll();
      const halted = await h.waitFor(id, (o) => o.status === "halted");
      expect(halted.failure).toMatchObject({
        node: "cp-2",
        step: "rotate",
        exitCode: 1,
        command: "rke2 certificate rotate",
      });
      expect(halted.failure!.stderr).toMatch(/no space left on device/);
      expect(halted.failure!.recovery.join(" ")).toMatch(/started rke2-server on cp-2 again/);
      expect(sim.nodeState("cp-2").service).toBe("active");
      const log = sim.commandLog().filter((e) => e.t >= t1);
      expect(find(log, "cp-3", MUTATING).map(cmd)).toEqual([]);

      // The failure is in the thread with the command, exit code, stderr and approver-only buttons.
      const reply = h.chat.thread(halted.message!.ts).find((m) => textOf(m).includes("failed on"))!;
      expect(textOf(reply)).toContain("rke2 certificate rotate");
      expect(textOf(reply)).toContain("exit code 1");
      expect(textOf(reply)).toContain("no space left on device");
      expect([...buttonsOf(reply).keys()]).toEqual(["retry", "abort"]);
      expect(checkMessageLimits(reply)).toEqual([]);
      expect((await h.click(id, "retry", "USTRANGER")).ok).toBe(false);
      expect((await h.op(id)).status).toBe("halted");

      sim.setKnob("cp-2", "rotate-fail", null);
      const t2 = Date.now();
      expect((await h.click(id, "retry", APPROVERS[1])).ok).toBe(true);
      const short = await h.waitFor(id, (o) => o.status === "halted" && o.runSeq > halted.runSeq);
      expect(short.failure).toMatchObject({ node: "cp-3", step: "verify-certs" });
      expect(short.failure!.message).toMatch(
        /not renewed on cp-3: .*client-admin\.crt \(new certificate expires in (99|100) days, inside the 120-day renewal window\)/,
      );
      expect(short.failure!.message).toContain("check CATTLE_NEW_SIGNED_CERT_EXPIRATION_DAYS");
      const shortReply = h.chat.thread(short.message!.ts).find((m) => textOf(m).includes("failed on cp-3"))!;
      expect(textOf(shortReply)).toContain("inside the 120-day renewal window");
      expect(sim.nodeState("cp-3").service).toBe("active");
      const after = sim.commandLog().filter((e) => e.t >= t2);
      expect(find(after, "cp-1", MUTATING).map(cmd)).toEqual([]); // cp-1 is done: never touched again
      expect(find(after, "cp-2", ROTATE).filter((e) => e.exitCode === 0)).toHaveLength(1);
      expect(find(after, "cp-3", ROTATE)).toHaveLength(1);

      // The site fixes the lifetime; Retry rotates cp-3 again (its leaves are not renewed) and completes.
      sim.setKnob("cp-3", "cert-expiration-days", null);
      const t3 = Date.now();
      expect((await h.click(id, "retry", APPROVERS[1])).ok).toBe(true);
      await h.waitFor(id, atGate(2));
      const again = sim.commandLog().filter((e) => e.t >= t3);
      expect(find(again, "cp-3", ROTATE)).toHaveLength(1);
      for (const n of ["cp-1", "cp-2"]) expect(find(again, n, MUTATING).map(cmd)).toEqual([]);
      expect((await h.click(id, "approve")).ok).toBe(true);
      expect((await h.waitFor(id, finished)).status).toBe("completed");
    },
  );

  it(
    "a start that leaves a leaf unrenewed halts the roll naming the file; Abort ends it",
    { timeout: 240_000 },
    async () => {
      h = await createHarness(sim, inject("redisUrl"));
      sim.setKnob("cp-1", "start-leaves-unchanged", "server/tls/client-scheduler.crt");
      const { id, t1 } = await toServerRoll();
      const halted = await h.waitFor(id, (o) => o.status === "halted");
      expect(halted.failure).toMatchObject({ node: "cp-1", step: "verify-certs" });
      expect(halted.failure!.message).toContain("client-scheduler.crt");
      expect(halted.failure!.backupDir).toMatch(/\/var\/lib\/rancher\/rke2\/server\/tls-\d+$/);
      expect(textOf(h.chat.thread(halted.message!.ts).at(-1))).toContain(halted.failure!.backupDir!);
      const log = sim.commandLog().filter((e) => e.t >= t1);
      for (const n of ["cp-2", "cp-3"]) expect(find(log, n, MUTATING).map(cmd)).toEqual([]);
      expect(sim.nodeState("cp-1").service).toBe("active");

      expect((await h.click(id, "abort", REQUESTER)).ok).toBe(true);
      expect((await h.op(id)).status).toBe("aborted");
      expect(await h.ledger.lockHolder(sim.name)).toBeUndefined();
    },
  );

  it(
    "a failed start is reported with its exit code and the tls backup to restore from; the next server is never touched",
    { timeout: 240_000 },
    async () => {
      h = await createHarness(sim, inject("redisUrl"));
      sim.setKnob("cp-1", "start-fail", "1");
      const { id, t1 } = await toServerRoll();
      const halted = await h.waitFor(id, (o) => o.status === "halted");
      expect(halted.failure).toMatchObject({
        node: "cp-1",
        step: "start",
        exitCode: 1,
        command: "systemctl start rke2-server",
      });
      expect(halted.failure!.backupDir).toMatch(/tls-\d+$/);
      expect(halted.failure!.recovery.join(" ")).toMatch(/could not start rke2-server on cp-1/);
      expect(
        find(
          sim.commandLog().filter((e) => e.t >= t1),
          "cp-2",
          STOP,
        ),
      ).toEqual([]);
      sim.setKnob("cp-1", "start-fail", null);
      expect((await h.click(id, "retry")).ok).toBe(true);
      await h.waitFor(id, atGate(2));
      const log = sim.commandLog().filter((e) => e.t >= t1);
      expect(find(log, "cp-1", ROTATE).filter((e) => e.exitCode === 0)).toHaveLength(1); // retry does not rotate again
      expect(find(log, "cp-1", START).at(-1)!.exitCode).toBe(0);
      expect((await h.click(id, "reject")).ok).toBe(true);
    },
  );
});
