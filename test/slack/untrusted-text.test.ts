import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Bot } from "../../src/main/start-bot.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import { startFakeSlack, type FakeMessage, type FakeSlack } from "../support/fake-slack/index.js";
import {
  cleanupPrefix,
  expectAllWithinLimits,
  newPrefix,
  simInventory,
  startTestBot,
  testEnv,
  waitFor,
} from "./helpers/harness.js";

const ns = namespacesAvailable();

// What a hostile certificate subject or command output would carry: a channel ping, a mention of
// an approver and a forged link. Slack must only ever receive them escaped.
const RAW = ["<!channel>", "<@U0APPROVER1>", "<https://evil.example|click>"];
const PAYLOAD = RAW.join(" ");
const CHANNEL = "C0PRODOPS";

type Button = { action_id: string; value: string };
const buttons = (blocks: unknown[] | undefined): Button[] =>
  ((blocks ?? []) as Array<{ type: string; elements?: Button[] }>)
    .filter((b) => b.type === "actions")
    .flatMap((b) => b.elements ?? []);

describe.skipIf(!ns.ok)(
  "untrusted text stays text: hostile certificate subjects and stderr through the real bot, rig and fake Slack",
  () => {
    const redisUrl = inject("redisUrl");
    const prefix = newPrefix();
    let sim: SimCluster;
    let fake: FakeSlack;
    let bot: Bot;

    beforeAll(async () => {
      const nodes = standardNodes(3, 1);
      nodes[0]!.certs = { overrides: { "server/tls/client-admin.crt": { cn: PAYLOAD } } };
      nodes[3]!.certs = { overrides: { "agent/client-kubelet.crt": { cn: PAYLOAD, notAfterDays: 10 } } };
      [sim, fake] = await Promise.all([startSimCluster({ name: "sim", nodes }), startFakeSlack()]);
      bot = await startTestBot(fake, { env: testEnv(fake, redisUrl), inventory: simInventory(sim), prefix });
    });
    afterAll(async () => {
      await bot?.stop(2000);
      await Promise.all([sim?.stop(), fake?.close()]);
      await cleanupPrefix(redisUrl, prefix);
    });

    /** Every text Slack was given: posts and every update, response_url answers, Web API call params. */
    const everything = (): string =>
      JSON.stringify([
        fake.model.allMessages().map((m) => m.history),
        fake.responses.map((r) => r.body),
        fake.calls.map((c) => c.params),
      ]);

    /**
     * Occurrences of the three payload strings that we did not write ourselves. The bot mentions
     * the approvers on purpose (alerts, "needs an approval from", decisions): those are allowed.
     */
    const notOurs = (all: string): string[] =>
      RAW.flatMap((raw) =>
        [...all.matchAll(new RegExp(raw.replace(/[|.]/g, "\\$&"), "g"))]
          .map((m) => all.slice(Math.max(0, m.index - 30), m.index + raw.length + 30))
          .filter((around) => !/<@U0APPROVER1>,? <@U0APPROVER2>|<@U0APPROVER1> approved/.test(around)),
      );

    const opMessage = (id: string): FakeMessage | undefined =>
      fake.model.topLevel(CHANNEL).find((m) => m.text.includes(id));

    it(
      "a certs answer and a failed rotation whose stderr carries mentions and links post them escaped",
      { timeout: 240_000 },
      async () => {
        const certs = await fake.slashCommand("certs sim", "U0ALICE", { channel: CHANNEL });
        const [answer] = await fake.waitForResponses(certs.responseUrl, 1, 60_000);
        expect(answer!.body.text).toMatch(/Certificates — sim/);

        sim.setKnob(
          "cp-1",
          "rotate-fail",
          `open /var/lib/rancher/rke2/server/tls-1/${PAYLOAD}: read-only file system`,
        );
        const req = await fake.slashCommand("rotate sim", "U0ALICE", { channel: CHANNEL });
        const [ack] = await fake.waitForResponses(req.responseUrl, 1, 60_000);
        const id = /\brot-\w+/.exec(JSON.stringify(ack!.body))?.[0];
        expect(id, JSON.stringify(ack!.body)).toBeDefined();

        const approve = async (user: string, nth: number) => {
          const msg = await waitFor(
            () => {
              const m = opMessage(id!);
              const versions = m?.history.filter((h) =>
                buttons(h.blocks).some((b) => b.action_id === "approve"),
              );
              return m && versions && versions.length >= nth ? { m, last: m.history.at(-1)! } : undefined;
            },
            90_000,
            `approval gate ${nth} of ${id}`,
          );
          const b = buttons(msg.last.blocks).find((x) => x.action_id === "approve")!;
          const click = await fake.clickButton({
            actionId: "approve",
            value: b.value,
            user,
            channel: CHANNEL,
            messageTs: msg.m.ts,
          });
          expect(click.status).toBe(200);
        };
        await approve("U0APPROVER1", 1);
        await approve("U0APPROVER2", 2);

        const failure = await waitFor(
          () =>
            fake.model.replies(CHANNEL, opMessage(id!)!.ts).find((m) => m.text.includes("failed on cp-1")),
          120_000,
          "the failure note in the thread",
        );
        const note = JSON.stringify(failure.blocks);
        expect(note).toContain("exit code 1");
        // stderr reached Slack, as an escaped code block…
        const stderr = (failure.blocks as Array<{ text?: { text: string } }>)[1]!.text!.text;
        expect(stderr).toMatch(/^```time=/);
        expect(stderr).toContain(
          'level=fatal msg="open /var/lib/rancher/rke2/server/tls-1/&lt;!channel&gt; &lt;@U0APPROVER1&gt; &lt;https://evil.example|click&gt;: read-only file system"```',
        );
        // …and the note says who may end the operation.
        expect(note).toContain("*Abort* ends the operation (approvers or the requester)");
        // The main message is updated just after the thread note: wait for it instead of racing it.
        const main = await waitFor(
          () => {
            const last = JSON.stringify(opMessage(id!)!.history.at(-1));
            return last.includes("Abort ends the operation") ? last : undefined;
          },
          30_000,
          "the halted main message",
        );
        expect(main).toContain("Abort ends the operation (approvers or the requester)");

        const all = everything();
        expect(all).toContain("&lt;!channel&gt; &lt;@U0APPROVER1&gt; &lt;https://evil.example|click&gt;");
        expect(notOurs(all), "untrusted text reached Slack unescaped").toEqual([]);
        // Our own mentions still work: the operation names its requester with a real mention.
        expect(all).toContain("Requested by <@U0ALICE>");

        const abort = buttons(opMessage(id!)!.history.at(-1)!.blocks).find((x) => x.action_id === "abort")!;
        expect(abort).toBeDefined();
        await fake.clickButton({ actionId: "abort", value: abort.value, user: "U0ALICE", channel: CHANNEL });
        await waitFor(
          () => /aborted/.test(opMessage(id!)!.history.at(-1)!.text) || undefined,
          30_000,
          "the abort",
        );
        expect(notOurs(everything())).toEqual([]);
        expectAllWithinLimits(fake);
      },
    );
  },
);
