import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createAccess } from "../../src/access/access-check.js";
import { cacheGroups, noGroups } from "../../src/access/group-directory.js";
import { refreshKubeconfigCopies } from "../../src/operations/kubeconfig/refresh-kubeconfigs.js";
import { REFRESH_KUBECONFIGS_ACTION } from "../../src/operations/kubeconfig/refresh-click.js";
import { readAudit } from "../../src/queue/audit-stream.js";
import { createRefreshClaims } from "../../src/queue/refresh-claims.js";
import type { ChatMessage } from "../../src/shared/chat-port.js";
import { createKubeconfigRefresh } from "../../src/slack/extensions/refresh-kubeconfigs-command.js";
import type { ListenerDeps } from "../../src/slack/listeners/command-deps.js";
import { handleButton } from "../../src/slack/listeners/handle-button.js";
import { silentLogger } from "../../src/shared/logger.js";
import { systemClock } from "../../src/shared/clock.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { APPROVERS, atGate, createHarness, finished, REQUESTER, type Harness } from "./support/harness.js";
import { buttonsOf, textOf } from "./support/recording-chat.js";

const avail = namespacesAvailable();

/** SHA-256 of the first client-certificate-data certificate of a kubeconfig on the node. */
const CLIENT_FP = (file: string) =>
  `sed -n 's/^ *client-certificate-data: *//p' ${file} | head -n 1 | base64 -d | openssl x509 -outform DER | sha256sum | cut -d' ' -f1`;

describe.skipIf(!avail.ok)(
  "after a rotation: new keys proven, stale kubeconfig copies listed and refreshed",
  () => {
    let sim: SimCluster;
    let h: Harness;
    let opId = "";
    let completionNote: ChatMessage | undefined;

    beforeAll(async () => {
      sim = await startSimCluster({ name: "kcopies", nodes: standardNodes(2, 1) });
      h = await createHarness(sim, inject("redisUrl"));
      // The guide's copy on cp-1, pointed at an external address; cp-2 has none.
      const r = await sim.ssh(
        "cp-1",
        "mkdir -p ~/.kube && cp /etc/rancher/rke2/rke2.yaml ~/.kube/config && sed -i 's#server: .*#server: https://rke2.example.com:6443#' ~/.kube/config",
      );
      expect(r.code, r.stderr).toBe(0);
    });
    afterAll(async () => {
      await h?.close();
      await sim?.stop();
    });

    it(
      "rotates, then the completion shows new keys per node and names the stale copy",
      { timeout: 180_000 },
      async () => {
        const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
        expect(req.ok, req.message).toBe(true);
        const id = req.operationId!;
        expect((await h.click(id, "approve")).ok).toBe(true);
        await h.waitFor(id, atGate(1));
        expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
        await h.waitFor(id, atGate(2));
        expect((await h.click(id, "approve")).ok).toBe(true);
        const op = await h.waitFor(id, finished);
        opId = id;
        expect(op.status).toBe("completed");

        // The op is marked completed just before its completion note is posted: wait for the note.
        const end = Date.now() + 15_000;
        let note = h.chat.thread(op.message!.ts).find((m) => textOf(m).includes("earliest expiry after"));
        while (!note && Date.now() < end) {
          await new Promise((r) => setTimeout(r, 50));
          note = h.chat.thread(op.message!.ts).find((m) => textOf(m).includes("earliest expiry after"));
        }
        expect(note, "completion note").toBeDefined();
        completionNote = note;
        const completion = textOf(note!).replaceAll("\\n", "\n");
        expect(completion).toContain("new keys");
        // Rotated servers: every leaf has a new key pair.
        for (const s of ["cp-1", "cp-2"])
          expect(completion).toMatch(new RegExp(`^${s} .* (\\d+)/\\1 .*renewed`, "m"));
        // The agent was restarted, not rotated: its leaves were renewed with the same keys, each one named.
        expect(completion).toMatch(/^agent-1 .* 0\/4 .*renewed/m);
        expect(completion).toContain("4 leaf certificates renewed with the *same public key*");
        expect(completion).toMatch(
          /\*agent-1\* `\/var\/lib\/rancher\/rke2\/agent\/client-kubelet\.crt`: same key/,
        );
        expect(completion).toContain("the old client certificate");
        expect(completion).toContain("/root/.kube/config");
        expect(completion).toMatch(/\*cp-1\* `\/root\/\.kube\/config`/);
        expect(completion).not.toMatch(/\*cp-2\* `\/root/);
        expect(completion).not.toMatch(/PRIVATE KEY|client-key-data/);

        const old = await sim.ssh("cp-1", CLIENT_FP("~/.kube/config"));
        const cur = await sim.ssh("cp-1", CLIENT_FP("/etc/rancher/rke2/rke2.yaml"));
        expect(old.stdout.trim()).not.toBe(cur.stdout.trim());
      },
    );

    it(
      "the completion's Refresh kubeconfig copies button: approvers only, audited, once",
      { timeout: 60_000 },
      async () => {
        const btn = buttonsOf(completionNote).get(REFRESH_KUBECONFIGS_ACTION);
        expect(btn, "Refresh kubeconfig copies button").toEqual({ op: opId, token: expect.any(String) });
        const refresh = createKubeconfigRefresh({
          inventory: h.inventory,
          executor: h.executor,
          ledger: h.ledger,
          claims: createRefreshClaims(h.redis, h.prefix),
          chat: h.chat,
          clock: systemClock,
          logger: silentLogger,
        });
        const deps = {
          inventory: h.inventory,
          chat: h.chat,
          ops: h.ops,
          logger: silentLogger,
          clock: systemClock,
          extensions: { buttons: { [REFRESH_KUBECONFIGS_ACTION]: refresh.button } },
        } as unknown as ListenerDeps;
        const channel = (await h.ledger.get(opId))!.message!.channel;
        const click = (userId: string, value = JSON.stringify(btn)) =>
          handleButton(deps, { actionId: REFRESH_KUBECONFIGS_ACTION, value, userId, channelId: channel });
        const ephemerals = () => h.chat.calls().filter((c) => c.kind === "ephemeral");
        const threadLen = () => h.chat.thread(ts).length;
        const ts = (await h.ledger.get(opId))!.message!.ts;
        const before = await sim.ssh("cp-1", "cat ~/.kube/config");

        // Not an approver: refused with the reason, to the clicker only; nothing changes, the refusal is audited.
        const n0 = threadLen();
        await click(REQUESTER);
        expect(textOf(ephemerals().at(-1)?.msg)).toContain("Only approvers of kcopies may refresh");
        expect((await sim.ssh("cp-1", "cat ~/.kube/config")).stdout).toBe(before.stdout);
        expect(threadLen()).toBe(n0);

        // A forged token for this op is out of date and changes nothing.
        await click(APPROVERS[0]!, JSON.stringify({ op: opId, token: "forged" }));
        expect(textOf(ephemerals().at(-1)?.msg)).toContain("out of date");
        expect((await sim.ssh("cp-1", "cat ~/.kube/config")).stdout).toBe(before.stdout);

        // An approver: the copy is replaced, its server: kept, the result posted in the operation's thread.
        const e0 = ephemerals().length;
        await click(APPROVERS[0]!);
        expect(ephemerals().length).toBe(e0);
        const result = h.chat.thread(ts).slice(n0).map(textOf).join("\n");
        expect(result).toContain(`by <@${APPROVERS[0]}>`);
        expect(result).toContain("cp-1:/root/.kube/config");
        expect(result).not.toMatch(/PRIVATE KEY|client-key-data|BEGIN/);
        const after = await sim.ssh("cp-1", "cat ~/.kube/config");
        expect(after.stdout).not.toBe(before.stdout);
        expect((await sim.ssh("cp-1", "grep 'server:' ~/.kube/config")).stdout.trim()).toBe(
          "server: https://rke2.example.com:6443",
        );
        const copy = await sim.ssh("cp-1", CLIENT_FP("~/.kube/config"));
        const cur = await sim.ssh("cp-1", CLIENT_FP("/etc/rancher/rke2/rke2.yaml"));
        expect(copy.stdout.trim()).toBe(cur.stdout.trim());
        const mode = await sim.ssh("cp-1", "stat -c %a ~/.kube/config; ls ~/.kube");
        expect(mode.stdout.trim()).toBe("600\nconfig");

        // Audited under the operation: who, the refusal, and which copy was replaced.
        const audit = (await readAudit(h.redis, h.prefix, h.inventory, opId))!.records.filter(
          (r) => r.action === "refresh-kubeconfigs",
        );
        expect(audit.map((r) => [r.actorId, r.operation, r.cluster, r.outcome])).toEqual([
          [REQUESTER, opId, sim.name, "refused: Only approvers of kcopies may refresh kubeconfig copies."],
          [APPROVERS[0], opId, sim.name, "replaced cp-1:/root/.kube/config"],
        ]);

        // A second click (even another approver's) is a no-op: told who did it, nothing run, nothing posted.
        const n1 = threadLen();
        await click(APPROVERS[1]!);
        expect(textOf(ephemerals().at(-1)?.msg)).toContain(`already refreshed by <@${APPROVERS[0]}>`);
        expect(threadLen()).toBe(n1);
        expect((await sim.ssh("cp-1", "cat ~/.kube/config")).stdout).toBe(after.stdout);
        const again = (await readAudit(h.redis, h.prefix, h.inventory, opId))!.records;
        expect(again.filter((r) => r.action === "refresh-kubeconfigs")).toHaveLength(2);
      },
    );

    it("the slash command refreshes for approvers only, audited without an operation", async () => {
      const access = createAccess(h.inventory, cacheGroups(noGroups, systemClock));
      const deps = {
        inventory: h.inventory,
        ssh: h.executor,
        access,
        audit: h.ledger,
        clock: systemClock,
        logger: silentLogger,
      };
      const refused = await refreshKubeconfigCopies(deps, sim.name, { userId: REQUESTER });
      expect(refused).toMatchObject({ ok: false, refreshed: [] });
      expect(refused.message).toContain("Only approvers");
      // Nothing stale any more after the button: the refresh has nothing to do, and says so.
      const again = await refreshKubeconfigCopies(deps, sim.name, { userId: APPROVERS[0]! });
      expect(again).toMatchObject({ ok: true, refreshed: [] });
      const audit = (await readAudit(h.redis, h.prefix, h.inventory, sim.name))!.records.filter(
        (r) => r.action === "refresh-kubeconfigs" && r.operation === "-",
      );
      expect(audit.map((r) => [r.actorId, r.outcome])).toEqual([
        [REQUESTER, "refused: Only approvers of kcopies may refresh kubeconfig copies."],
        [APPROVERS[0], "nothing stale"],
      ]);
    });
  },
);
