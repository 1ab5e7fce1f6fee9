// The channel view's Block Kit and mrkdwn rendering (pure functions shared with the browser).
import { describe, expect, it } from "vitest";
import { renderFiles, renderMessageBody } from "../../demo/public/blocks.js";
import { mrkdwn } from "../../demo/public/mrkdwn.js";
import { context, divider, fieldsSection, header, section } from "../../src/slack/blocks/block-kit.js";
import { renderOperationMessage } from "../../src/slack/blocks/operation/render-operation-message.js";
import type { OperationView } from "../../src/operations/view/operation-view.js";

const ctx = {
  userName: (id: string) => ({ U0BOB: "Bob" })[id],
  channelName: (id: string) => ({ C0DEMOOPS: "demo-ops" })[id],
};

describe("mrkdwn", () => {
  it("formats bold, italic, strike and code, never inside code", () => {
    expect(mrkdwn("*bold* _it_ ~gone~ `a*b*c`")).toBe(
      '<b>bold</b> <i>it</i> <s>gone</s> <code class="mk-code">a*b*c</code>',
    );
    expect(mrkdwn("*`cp-1`* done")).toBe('<b><code class="mk-code">cp-1</code></b> done');
    expect(mrkdwn("snake_case_name and 2*3*4")).toBe("snake_case_name and 2*3*4");
  });

  it("decodes Slack's entities once and escapes everything on the way out", () => {
    expect(mrkdwn('a &lt; b &amp;&amp; c &gt; d "q"')).toBe("a &lt; b &amp;&amp; c &gt; d &quot;q&quot;");
    expect(mrkdwn("```<script>x</script>```")).toBe(
      '<pre class="mk-pre">&lt;script&gt;x&lt;/script&gt;</pre>',
    );
    expect(mrkdwn("<javascript:alert(1)|click>")).toBe("click");
    expect(mrkdwn('<https://x.test/?a=1&amp;b="2"|docs>')).toBe(
      '<a href="https://x.test/?a=1&amp;b=&quot;2&quot;" target="_blank" rel="noopener noreferrer">docs</a>',
    );
  });

  it("names mentioned users and channels, keeps unknown ids", () => {
    expect(mrkdwn("<@U0BOB> <@U0NOBODY> <#C0DEMOOPS> <#C1|named> <!here>", ctx)).toBe(
      '<span class="mention" data-user="U0BOB">@Bob</span> <span class="mention" data-user="U0NOBODY">@U0NOBODY</span> ' +
        '<span class="mention">#demo-ops</span> <span class="mention">#named</span> <span class="mention">@here</span>',
    );
  });

  it("turns emoji shortcodes into characters, leaves times alone, keeps line breaks and quotes", () => {
    expect(mrkdwn(":red_circle: at 10:30:00\n&gt; quoted")).toBe(
      "🔴 at 10:30:00<br><blockquote>quoted</blockquote>",
    );
  });
});

describe("Block Kit", () => {
  it("renders header, section text and fields, context and divider", () => {
    const html = renderMessageBody({
      text: "fallback",
      blocks: [
        header("Report :warning:"),
        section("*hi*"),
        fieldsSection(["*a*", "b"]),
        divider(),
        context("`x`", "y"),
      ],
    });
    expect(html).toContain('<div class="bk-header">Report ⚠️</div>');
    expect(html).toContain('<div class="bk-text"><b>hi</b></div>');
    expect(html).toContain(
      '<div class="bk-fields"><div class="bk-field"><b>a</b></div><div class="bk-field">b</div></div>',
    );
    expect(html).toContain('<hr class="bk-divider">');
    expect(html).toContain(
      '<div class="bk-context"><span><code class="mk-code">x</code></span><span>y</span></div>',
    );
    expect(html).not.toContain("fallback");
  });

  it("renders the bot's operation buttons with their styles, action ids and values", () => {
    const view: OperationView = {
      id: "rot-abc123",
      title: "Certificate rotation",
      cluster: "demo",
      requestedBy: "U0ALICE",
      requestedAt: "2026-01-01T08:00:00Z",
      status: "awaiting-approval",
      statusLine: "waiting for approval of phase 1/3 (Backup)",
      plan: { summary: "Rotate", lines: ["one"] },
      phases: [{ title: "Backup", mark: "awaiting" }],
      progress: [],
      gate: { kind: "approval", token: "tok_1", phaseTitle: "Backup", expiresAt: "2026-01-01T09:00:00Z" },
      cancellable: false,
    } as OperationView;
    const html = renderMessageBody(renderOperationMessage(view));
    expect(html).toContain('class="bk-btn bk-primary" data-action-id="approve"');
    expect(html).toContain('class="bk-btn bk-danger" data-action-id="reject"');
    expect(html).toContain(
      'data-value="{&quot;op&quot;:&quot;rot-abc123&quot;,&quot;token&quot;:&quot;tok_1&quot;}"',
    );
  });

  it("falls back to the text without blocks, and names blocks it cannot draw", () => {
    expect(renderMessageBody({ text: "*plain*" })).toBe('<div class="bk-text"><b>plain</b></div>');
    expect(renderMessageBody({ text: "", blocks: [{ type: "video" }] })).toContain(
      "[unsupported block: video]",
    );
  });

  it("shows uploaded files with their content escaped", () => {
    expect(renderFiles([{ id: "F1", title: "plan <1>", filename: "plan.yaml", content: "a: <b>" }])).toBe(
      '<details class="file"><summary>📄 plan &lt;1&gt; <span class="file-name">plan.yaml</span></summary><pre>a: &lt;b&gt;</pre></details>',
    );
  });
});
