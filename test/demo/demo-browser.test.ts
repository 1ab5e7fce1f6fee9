// The demo as a new user meets it: `npm run demo`, the channel view in Chromium, the daily report,
// `/rke2 certs`, a rotation approved phase by phase by two approvers, every certificate renewed.
// Twice: as root (OpenSSH sshd nodes) and as an ordinary user (ssh2 nodes in user namespaces).
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBot, buildNeeded } from "../../demo/lib/build-bot.js";
import { browserUnavailable, launchBrowser } from "./support/browser.js";
import { channelPage, eventually } from "./support/channel-page.js";
import { ROOT, startDemoProcess, type DemoProcess } from "./support/demo-process.js";
import { ordinaryUser, userNamespacesFor, type OrdinaryUser } from "./support/demo-user.js";

const noBrowser = browserUnavailable();
const user = ordinaryUser(ROOT);
const asUser = "unavailable" in user ? undefined : user;
const noUserPath = "unavailable" in user ? user.unavailable : userNamespacesFor(user);
const isRoot = process.getuid?.() === 0;

const modes: Array<{ title: string; as?: OrdinaryUser; nodes: RegExp; unavailable?: string; shot: string }> =
  [
    {
      title: "as root",
      nodes: /agents, sshd on/,
      unavailable: isRoot ? undefined : "the OpenSSH nodes need root",
      shot: "demo-channel.png",
    },
    {
      title: `as the ordinary user ${asUser?.name ?? ""}`.trim(),
      as: asUser,
      nodes: /agents, ssh2 servers \(unprivileged user namespaces\) on/,
      unavailable: noUserPath,
      shot: "demo-channel-non-root.png",
    },
  ];

describe.each(modes)("npm run demo in a browser $title", (mode) => {
  const unavailable = noBrowser ?? mode.unavailable;
  const SCREENSHOT = join(ROOT, "test-results", mode.shot);
  describe.skipIf(!!unavailable)(unavailable ? `(skipped: ${unavailable})` : "", () => {
    let demo: DemoProcess;
    let browser: Awaited<ReturnType<typeof launchBrowser>>;
    let page: Page;
    let url: string;

    beforeAll(async () => {
      // An ordinary user cannot write dist/ in root's checkout: build it first, as `npm run demo` would.
      if (mode.as?.switchTo && buildNeeded(ROOT)) await buildBot(ROOT);
      demo = startDemoProcess(["--port", "0"], mode.as);
      url = (await demo.waitForOutput(/Channel view:\s+(http:\/\/127\.0\.0\.1:\d+\/)/, 110_000))[1]!;
      expect(demo.output()).toMatch(mode.nodes);
      browser = await launchBrowser();
      page = await browser.context.newPage();
    }, 150_000);

    afterAll(async () => {
      await browser?.close();
      await demo?.interrupt();
    });

    it("shows the daily report, answers /rke2 certs, and rotates every certificate after three approvals", async () => {
      const ch = channelPage(page);
      await page.goto(url);
      const report = ch.withHeader("Certificate expiry report — demo");
      await report.first().waitFor({ timeout: 60_000 });
      expect(await report.count()).toBe(1);
      expect(await report.innerText()).toMatch(/1 expired · 1 renewal window/);

      await ch.actAs("U0ALICE");
      await ch.type("/rke2 certs");
      const answer = ch.withHeader("Certificates — demo");
      await answer.first().waitFor({ timeout: 60_000 });
      const certs = await answer.first().innerText();
      expect(certs).toContain("Only visible to you");
      expect(certs).toMatch(
        /cp-2\s+\/var\/lib\/rancher\/rke2\/server\/tls\/serving-kube-apiserver\.crt — expired/,
      );

      await ch.type("/rke2 rotate demo");
      const op = ch.withHeader("Certificate rotation: demo");
      await op.first().waitFor({ timeout: 90_000 });
      const approveAs = async (user: string, phase: number) => {
        await eventually(
          async () =>
            (await op.innerText()).includes(`waiting for approval of phase ${phase}/3`) ? true : undefined,
          120_000,
          `phase ${phase}/3 awaiting approval: ${await op.innerText().catch(() => "")}`,
        );
        await ch.actAs(user);
        await op.locator('button[data-action-id="approve"]').click();
        await eventually(
          async () =>
            (await op.innerText()).includes(`waiting for approval of phase ${phase}/3`) ? undefined : true,
          30_000,
          `the approval of phase ${phase} to register`,
        );
      };
      await approveAs("U0BOB", 1);
      await approveAs("U0CAROL", 2);
      await approveAs("U0BOB", 3);
      const final = await eventually(
        async () => {
          const text = await op.innerText();
          return /completed at|halted|failed/.test(text) ? text : undefined;
        },
        180_000,
        "the rotation to finish",
      );
      expect(final).toContain("completed at");
      expect(await op.locator("button[data-action-id]").count()).toBe(0);

      await op.locator(".thread-link").click();
      const completion = ch.thread.locator(".msg", {
        has: page.locator(".bk-header", { hasText: "complete" }),
      });
      await completion.waitFor({ timeout: 30_000 });
      const table = await completion.locator(".mk-pre").first().innerText();
      const rows = table.split("\n").filter((l) => /^(cp|agent)-\d/.test(l));
      expect(rows).toHaveLength(5);
      for (const row of rows) expect(row).toMatch(/renewed$/);

      await ch.actAs("U0ALICE");
      await ch.type("/rke2 certs");
      await eventually(
        async () => ((await answer.count()) >= 2 ? true : undefined),
        60_000,
        "a second certs answer",
      );
      const after = await answer.last().innerText();
      expect(after).toMatch(/all \d+ certificates fine/);
      expect(after).not.toMatch(/expired|renewal window/);

      await page.locator("#messages").evaluate((el) => (el.scrollTop = el.scrollHeight));
      mkdirSync(join(ROOT, "test-results"), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
      expect(existsSync(SCREENSHOT)).toBe(true);
    }, 480_000);

    it("stops everything on Ctrl-C within a few seconds", async () => {
      const dir = /log: (\/\S+)\/bot\.log/.exec(demo.output())?.[1];
      const botPid = Number(/pid (\d+), port/.exec(demo.output())?.[1]);
      const stopped = await demo.interrupt();
      // npm re-raises the SIGINT on itself once the demo has exited (0) after its clean stop.
      expect(stopped.code === 0 || stopped.signal === "SIGINT", JSON.stringify(stopped)).toBe(true);
      expect(stopped.ms).toBeLessThan(10_000);
      expect(demo.output()).toMatch(/stopped in [\d.]+ s/);
      expect(dir && existsSync(dir)).toBe(false);
      expect(() => process.kill(botPid, 0)).toThrow();
    }, 30_000);
  });
});
