import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/shared/logger.js";

const PEM = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const BOT = "xoxb-1111-2222-botsecret";
const APP = "xapp-1-A1-appsecret";
const SIGNING = "8f14e45fceea167a5a36dedd4bea2543";

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger("debug", { write: (s: string) => void lines.push(s) }) };
}

describe("log redaction", () => {
  it("a whole configuration object logged keeps no token, private key or signing secret", () => {
    const { lines, logger } = capture();
    const config = {
      token: BOT,
      env: { SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP, SLACK_SIGNING_SECRET: SIGNING, PORT: 3000 },
      slack: { botToken: BOT, appToken: APP, signingSecret: SIGNING },
      ssh: { user: "ops", privateKey: PEM, passphrase: "hunter2" },
      clusters: [
        { name: "prod", nodes: [{ name: "s1", ssh: { privateKey: PEM } }], ssh: { privateKey: PEM } },
      ],
      headers: { authorization: `Bearer ${BOT}` },
    };
    logger.info(config, "configuration");
    logger.info({ config }, "nested once more");
    logger.info({ SLACK_BOT_TOKEN: BOT, privateKey: PEM, signingSecret: SIGNING }, "top level");
    const out = lines.join("");
    expect(lines).toHaveLength(3);
    for (const secret of [BOT, APP, SIGNING, "hunter2", "PRIVATE KEY", PEM.split("\n")[1]!])
      expect(out).not.toContain(secret);
    // What is not secret stays readable, and the redaction is visible.
    const first = JSON.parse(lines[0]!) as typeof config;
    expect(first.ssh).toEqual({ user: "ops", privateKey: "[redacted]", passphrase: "[redacted]" });
    expect(first.env.PORT).toBe(3000);
    expect(first.token).toBe("[redacted]");
  });

  it("errors are logged with type and stack under err", () => {
    const { lines, logger } = capture();
    logger.warn({ err: new TypeError("boom") }, "failed");
    const line = JSON.parse(lines[0]!) as { err: { type: string; message: string; stack: string } };
    expect(line.err).toMatchObject({ type: "TypeError", message: "boom" });
    expect(line.err.stack).toContain("logger-redaction.test.ts");
  });
});
