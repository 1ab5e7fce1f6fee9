import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { readNodeCerts } from "../../src/rke2/read-node-certs.js";
import type { NodeSpec } from "../../src/config/inventory.js";
import type { OpRecord } from "../../src/operations/engine/records.js";
import { commandFailure } from "../../src/operations/rotation/remote-output.js";
import { KUBECONFIG_CERT_FILTER } from "../../src/rke2/read-cert-files.js";
import { redactUrls } from "../../src/shared/redact-url.js";
import { checkMessageLimits } from "../../src/slack/blocks/limits.js";
import { codeBlock, escapeMrkdwn, inlineCode } from "../../src/slack/blocks/mrkdwn.js";
import { renderThreadNote } from "../../src/slack/blocks/operation/render-thread-note.js";
import { renderUsageError } from "../../src/slack/blocks/render-notice.js";
import type { CommandResult, NodeSession } from "../../src/ssh/ssh-executor.js";

const EVIL = "<!channel> <@U0APPROVER1> <https://evil.example|click> & co";
const RAW = ["<!channel>", "<@U0APPROVER1>", "<https://evil.example|click>"];

describe("escapeMrkdwn / codeBlock / inlineCode", () => {
  it("escapes Slack's three control characters, & first", () => {
    expect(escapeMrkdwn(EVIL)).toBe(
      "&lt;!channel&gt; &lt;@U0APPROVER1&gt; &lt;https://evil.example|click&gt; &amp; co",
    );
    expect(escapeMrkdwn("&lt;")).toBe("&amp;lt;");
  });

  it("a code block escapes, cannot be closed from inside and fits a section", () => {
    const block = codeBlock("line 1\n```\n<!channel>\n");
    expect(block.startsWith("```")).toBe(true);
    expect(block.endsWith("```")).toBe(true);
    expect(block.slice(3, -3)).not.toContain("```");
    expect(block).toContain("&lt;!channel&gt;");
    const long = codeBlock("<".repeat(5000) + "the end");
    expect(long.length).toBeLessThanOrEqual(3000);
    expect(long).toMatch(/^```…(&lt;)+the end```$/); // the end is kept, no entity cut in half
    expect(codeBlock("& ".repeat(3000), { keep: "start" })).toMatch(/^```(&amp; )+(&amp;)?…```$/);
  });

  it("inline code cannot be ended early", () => {
    expect(inlineCode("a`<b>")).toBe("`a'&lt;b&gt;`");
  });
});

describe("redactUrls", () => {
  it("removes userinfo and secret query values, keeps the rest", () => {
    const cmd =
      "curl -sfL https://deploy:hunter2@mirror.example/install.sh?channel=stable&token=abc123 | INSTALL_RKE2_TYPE=server sh -";
    const out = redactUrls(cmd);
    expect(out).toBe(
      "curl -sfL https://***@mirror.example/install.sh?channel=stable&token=*** | INSTALL_RKE2_TYPE=server sh -",
    );
    expect(redactUrls("https://x.example/v1?access_token=q&X-Amz-Signature=zz&page=2")).toBe(
      "https://x.example/v1?access_token=***&X-Amz-Signature=***&page=2",
    );
    expect(redactUrls("https://update.rke2.io/v1-release/channels")).toBe(
      "https://update.rke2.io/v1-release/channels",
    );
  });

  it("an installer failure is recorded redacted", () => {
    const res: CommandResult = {
      code: 22,
      stdout: "",
      stderr: "curl: (22) The requested URL returned error: 403 https://u:p@m.example/i.sh?token=s3cret",
      truncated: false,
      timedOut: false,
      durationMs: 5,
    };
    const f = commandFailure(
      "installer failed",
      "sh -c 'curl https://u:p@m.example/i.sh?token=s3cret | sh'",
      res,
    );
    expect(JSON.stringify(f)).not.toMatch(/s3cret|u:p@/);
    expect(f.command).toContain("https://***@m.example/i.sh?token=***");
  });
});

describe("operation failure notes", () => {
  const op = {
    id: "op-1",
    failure: {
      phase: 1,
      node: "cp-1",
      step: "rotate",
      message: `rotate failed: \`rke2 certificate rotate\` exited 1 (${EVIL})`,
      command: "rke2 certificate rotate",
      exitCode: 1,
      stderr: `level=fatal msg="${EVIL}"\n\`\`\`\nhttps://a:b@x.example/?token=zzz`,
      recovery: [`started rke2-server again: ${EVIL}`],
      at: "2026-01-01T00:00:00Z",
    },
    gate: { kind: "failure", token: "t", phase: 1, expiresAt: "2026-01-02T00:00:00Z" },
  } as unknown as OpRecord;

  it("escape every untrusted part, show stderr as a code block and say who may abort", () => {
    const msg = renderThreadNote({ kind: "failure", op });
    const json = JSON.stringify(msg);
    for (const raw of RAW) expect(json).not.toContain(raw);
    expect(json).toContain("&lt;!channel&gt;");
    expect(json).not.toMatch(/zzz|a:b@/);
    expect(json).toContain("Abort* ends the operation (approvers or the requester)");
    const stderrBlock = (msg.blocks as Array<{ text?: { text: string } }>)[1]!.text!.text;
    expect(stderrBlock).toMatch(/^```level=fatal msg="&lt;!channel&gt;[\s\S]*```$/);
    expect(stderrBlock.slice(3, -3)).not.toContain("```");
    expect(checkMessageLimits(msg)).toEqual([]);
  });

  it("a usage error quotes what the user typed as text", () => {
    const msg = renderUsageError("`<!channel>`: not a cluster.", "/rke2 rotate <cluster>");
    expect(JSON.stringify(msg.blocks)).not.toContain("<!channel>");
    expect(JSON.stringify(msg.blocks)).toContain("/rke2 rotate &lt;cluster&gt;");
  });
});

describe("kubeconfig filter (run by the node's awk)", () => {
  const cert = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString(
    "base64",
  );
  const key = Buffer.from("-----BEGIN EC PRIVATE KEY-----\nSECRET\n-----END EC PRIVATE KEY-----\n").toString(
    "base64",
  );
  const kubeconfig = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${cert}
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
    client-certificate-data: ${cert}
    client-key-data: ${key}
- user:
    client-key-data: ${key}
    token: s3cret
  name: second
  - name: nested-looking
- name: third
  user:
    password: pw
    client-certificate-data: ${cert}
`;
  const filter = (text: string) => execFileSync("awk", [KUBECONFIG_CERT_FILTER], { input: text }).toString();

  it("keeps only names, users[i].user.client-certificate-data and clusters[i].cluster.certificate-authority-data, at the same indices", () => {
    const out = filter(kubeconfig);
    expect(out).not.toContain(key);
    expect(out).not.toMatch(/client-key-data|token|password|s3cret|server:|contexts/);
    const doc = parseYaml(out) as {
      users: Array<{ name?: string; user?: Record<string, string> } | null>;
      clusters: unknown;
    };
    expect(doc.clusters).toEqual([{ name: "default", cluster: { "certificate-authority-data": cert } }]);
    expect(doc.users.map((u) => u?.name)).toEqual(["default", "second", "third"]);
    expect(doc.users).toHaveLength(3);
    expect(doc.users[0]!.user!["client-certificate-data"]).toBe(cert);
    expect(doc.users[1]?.user ?? null).toBeNull();
    expect(doc.users[2]!.user!["client-certificate-data"]).toBe(cert);
    // Indented list style.
    const indented = filter(
      `users:\n  - name: x\n    user:\n      client-certificate-data: ${cert}\n      client-key-data: ${key}\n`,
    );
    expect(
      (parseYaml(indented) as { users: Array<{ user: Record<string, string> }> }).users[0]!.user,
    ).toEqual({
      "client-certificate-data": cert,
    });
    expect(filter("apiVersion: v1\nkind: Config\n")).toBe("");
  });
});

describe("a scan whose output hit the cap", () => {
  it("is an incomplete node, never a short list", async () => {
    const node = { name: "cp-1", cluster: "c", role: "server", ssh: { host: "h" } } as NodeSpec;
    const pem = execFileSync("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "/dev/null",
      "-subj",
      "/CN=x",
      "-days",
      "30",
    ]).toString();
    const session: NodeSession = {
      node,
      run: async () => ({
        code: 0,
        stdout: `==> /var/lib/rancher/rke2/server/tls/a.crt <==\n${pem}\n==> /var/lib/rancher/rke2/server/tls/b.crt <==\n${pem.slice(0, 100)}`,
        stderr: "",
        truncated: true,
        timedOut: false,
        durationMs: 1,
      }),
      close: async () => undefined,
    };
    const err = await readNodeCerts(session, { renewalWindowDays: 120, alertDays: [30] }, new Date()).catch(
      (e: Error & { kind?: string }) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error & { kind?: string }).kind).toBe("incomplete");
    expect((err as Error).message).toMatch(/scan incomplete: .*cp-1.*output cap/);
  });
});
