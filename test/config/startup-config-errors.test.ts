import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

/** `npm start` as a person runs it: the built entry with nothing but the environment given. */
function start(env: Record<string, string>) {
  const r = spawnSync(process.execPath, ["dist/main.js"], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const KEY = "SHA256:" + "A".repeat(43);
const dir = mkdtempSync(join(tmpdir(), "startup-config-"));
const socket = { SLACK_BOT_TOKEN: "xoxb-1-2-secret", SLACK_APP_TOKEN: "xapp-1-secret" };

describe("start-up configuration errors speak to a person", () => {
  beforeAll(() => {
    if (!existsSync("dist/main.js")) throw new Error("dist/main.js is missing: run `npm run build` first");
  });

  it("a missing SLACK_BOT_TOKEN says what it looks like and where to get it, on stderr", () => {
    const r = start({ SLACK_APP_TOKEN: "xapp-1-secret" });
    expect(r.status).toBe(78);
    expect(r.stderr).toContain("rke2-chatops cannot start: the environment is incomplete or wrong.");
    expect(r.stderr).toContain("  - SLACK_BOT_TOKEN is not set; expected the bot token, xoxb-…");
    expect(r.stderr).toContain("Bot User OAuth Token");
    expect(r.stderr).toContain('README "Connect a real Slack workspace"');
    expect(r.stderr).not.toMatch(/Invalid input|received undefined|^\{/m);
    // The JSON line for log collectors is still there, on stdout, carrying the same problems.
    const line = JSON.parse(r.stdout.trim().split("\n").pop()!) as { level: number; problems: string[] };
    expect(line.level).toBe(60);
    expect(line.problems[0]).toMatch(/^SLACK_BOT_TOKEN is not set/);
  });

  it("names every bad variable at once, each with the form it expects", () => {
    const r = start({
      SLACK_BOT_TOKEN: "xapp-wrong-kind",
      SLACK_APP_TOKEN: "xoxb-wrong-kind",
      REDIS_URL: "http://127.0.0.1:6379",
      PORT: "eighty",
      LOG_LEVEL: "loud",
      ROLE: "both",
      WORKER_NICE: "20",
    });
    expect(r.status).toBe(78);
    const problems = r.stderr.split("\n").filter((l) => l.startsWith("  - "));
    expect(problems.map((l) => l.slice(4).split(" ")[0]).sort()).toEqual(
      ["LOG_LEVEL", "PORT", "REDIS_URL", "ROLE", "SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "WORKER_NICE"].sort(),
    );
    expect(r.stderr).toMatch(/SLACK_BOT_TOKEN is invalid \(a bot token begins with xoxb-\)/);
    expect(r.stderr).toMatch(/REDIS_URL is invalid .*; expected redis:\/\/host:6379/);
    expect(r.stderr).toMatch(/ROLE is invalid .*; expected one of web, worker, all/);
    expect(r.stderr).not.toContain("xapp-wrong-kind");
  });

  it("HTTP mode without a signing secret says where the secret is, or to use Socket Mode", () => {
    const r = start({ SLACK_BOT_TOKEN: "xoxb-1-2-secret" });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(
      /SLACK_SIGNING_SECRET is not set, and HTTP mode \(no SLACK_APP_TOKEN\) needs it/,
    );
    expect(r.stderr).toContain("Signing Secret; or set SLACK_APP_TOKEN for Socket Mode instead");
  });

  it("an unreadable inventory file names the path and the variable", () => {
    const r = start({ ...socket, RKE2_CHATOPS_CONFIG: join(dir, "absent.yaml") });
    expect(r.status).toBe(78);
    expect(r.stderr).toContain(`the inventory ${join(dir, "absent.yaml")} is invalid`);
    expect(r.stderr).toContain("cannot read the inventory file");
  });

  it("a missing inventory key is named as missing, not as zod's type error", () => {
    const file = join(dir, "inv.yaml");
    writeFileSync(
      file,
      `clusters:\n  - name: prod\n    nodes:\n      - { name: s1, host: 10.0.0.1, role: server, hostKey: "${KEY}" }\n`,
    );
    const r = start({ ...socket, RKE2_CHATOPS_CONFIG: file });
    expect(r.status).toBe(78);
    expect(r.stderr).toContain("  - clusters[0].channel: required but missing (expected string)");
    expect(r.stderr).toContain("check-config");
    expect(r.stderr).not.toContain("received undefined");
  });
});
