import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseInventory } from "../../src/config/load-inventory.js";
import { startBot } from "../../src/main/start-bot.js";
import { createLogger } from "../../src/shared/logger.js";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { cleanupPrefix, newPrefix, testEnv } from "./helpers/harness.js";
import { recordingOps } from "./helpers/recording-ops.js";

const KEY = "SHA256:" + "A".repeat(43);
const INVENTORY = `clusters:
  - name: prod
    channel: C0PRODOPS
    nodes:
      - { name: s1, host: 127.0.0.1, role: server, hostKey: "${KEY}" }
`;

/** Start-up is crash-only: Slack unreachable means exit 1 for the supervisor, never "the bot retries". */
describe("start-up with Slack unreachable", () => {
  const redisUrl = inject("redisUrl");
  const prefix = newPrefix();
  let fake: FakeSlack;
  beforeAll(async () => {
    fake = await startFakeSlack();
  });
  afterAll(async () => {
    await fake?.close();
    await cleanupPrefix(redisUrl, prefix);
  });

  it("a transient Slack failure at auth.test stops the start and says a supervisor restarts it", async () => {
    const lines: string[] = [];
    const logger = createLogger("info", { write: (s: string) => void lines.push(s) });
    fake.failNext("auth.test", { error: "service_unavailable", times: 1 });
    const err = await startBot({
      env: testEnv(fake, redisUrl, { ROLE: "web" }),
      inventory: parseInventory(INVENTORY, "/tmp/inv.yaml"),
      logger,
      prefix,
      host: "127.0.0.1",
      ops: recordingOps(),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "service_unavailable", retryable: true });
    const fatal = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 60);
    expect(fatal?.msg).toBe("Slack could not be reached at start-up (service_unavailable): exiting 1");
    expect(String(fatal?.advice)).toMatch(/does not retry at start-up: it exits 1, and a supervisor/);
    expect(lines.join("")).not.toContain("the bot retries");
  });

  it("`node dist/main.js` with Slack unreachable exits 1 after that line", () => {
    const dir = mkdtempSync(join(tmpdir(), "unreachable-"));
    writeFileSync(join(dir, "inv.yaml"), INVENTORY);
    // A closed port answers at once; the Web client's own retries make this take some seconds.
    const r = spawnSync(process.execPath, ["dist/main.js"], {
      env: {
        PATH: process.env.PATH ?? "",
        SLACK_BOT_TOKEN: "xoxb-1-2-secret",
        SLACK_APP_TOKEN: "xapp-1-secret",
        SLACK_API_URL: "http://127.0.0.1:9/api/",
        REDIS_URL: redisUrl,
        ROLE: "web",
        PORT: "0",
        RKE2_CHATOPS_CONFIG: join(dir, "inv.yaml"),
      },
      encoding: "utf8",
      timeout: 90_000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("Slack could not be reached at start-up (network_error): exiting 1");
    expect(r.stdout).not.toContain("the bot retries");
  }, 100_000);
});
