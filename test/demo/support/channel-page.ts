// The channel view as a person uses it, through Playwright: pick a user, type, click, read messages.
import type { Locator, Page } from "playwright-core";

export function channelPage(page: Page) {
  const top = page.locator("#messages > .msg");
  return {
    /** Top-level messages whose Block Kit header contains `text`. */
    withHeader: (text: string): Locator => top.filter({ has: page.locator(".bk-header", { hasText: text }) }),
    /** Messages (top level) that contain `text` anywhere. */
    withText: (text: string | RegExp): Locator => top.filter({ hasText: text }),
    thread: page.locator("#thread"),
    async actAs(userId: string) {
      await page.click(`[data-user-pick="${userId}"]`);
      await page.locator(`[data-user-pick="${userId}"][aria-pressed="true"]`).waitFor();
    },
    async type(text: string) {
      await page.fill("#composer", text);
      await page.press("#composer", "Enter");
    },
  };
}

/** Polls `probe` until it returns a value (Playwright's own waits cannot express "text changed to…"). */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${String(last)})` : ""}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}
