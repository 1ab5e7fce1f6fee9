import { execFileSync, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AuditRecord } from "../../src/operations/audit/audit-record.js";
import { DEFAULT_PREFIX } from "../../src/queue/connection.js";
import { operationKeys } from "../../src/queue/operation-keys.js";
import { createRedisLedger } from "../../src/queue/operation-ledger.js";

const KEY = "SHA256:" + "A".repeat(43);

/** The built launcher, `npx rke2-chatops audit …`, against the test Redis (the CLI uses the default prefix). */
describe("npx rke2-chatops audit", () => {
  const redisUrl = inject("redisUrl");
  const cluster = `cli${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), "rke2-audit-cli-"));
  const config = join(dir, "inventory.yaml");
  let redis: Redis;

  beforeAll(async () => {
    execFileSync("npm", ["run", "build"], { stdio: "pipe" });
    writeFileSync(
      config,
      `clusters:
  - name: ${cluster}
    channel: C0CLIOPS
    nodes:
      - { name: ${cluster}-1, host: 10.0.0.11, role: server, hostKey: "${KEY}" }
`,
    );
    redis = new Redis(redisUrl);
    const ledger = createRedisLedger(redis, { prefix: DEFAULT_PREFIX });
    const at = (s: number) => new Date(Date.UTC(2026, 0, 5, 9, 0, s)).toISOString();
    await ledger.appendAudit(cluster, undefined, [
      {
        at: at(1),
        kind: "request",
        text: "refused",
        by: "U0EVE",
        byName: "eve",
        action: "request-rotate",
        outcome: "refused: not a requester",
      },
    ]);
    await ledger.appendAudit(cluster, "op-cli-1", [
      {
        at: at(2),
        kind: "request",
        text: "requested",
        by: "U0ALICE",
        action: "request-rotate",
        outcome: "accepted",
      },
      {
        at: at(3),
        kind: "decision",
        text: "approved",
        by: "U0BOB",
        action: "approve",
        phase: "backup",
        outcome: "accepted",
      },
      { at: at(4), kind: "step", text: "snapshot", node: `${cluster}-1`, phase: "backup", outcome: "ok" },
    ]);
  }, 240_000);
  afterAll(async () => {
    await redis?.del(operationKeys(DEFAULT_PREFIX).auditStream(cluster));
    redis?.disconnect();
  });

  const cli = (...args: string[]) =>
    spawnSync("node", ["bin/rke2-chatops.js", "audit", ...args, "--config", config], {
      encoding: "utf8",
      env: { ...process.env, REDIS_URL: redisUrl, LOG_LEVEL: "warn" },
    });
  const lines = (out: string) =>
    out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as AuditRecord);

  it("prints a cluster's records as JSON Lines, oldest first, and the summary on stderr", () => {
    const r = cli(cluster);
    expect(r.status, r.stderr).toBe(0);
    const rs = lines(r.stdout);
    expect(rs.map((x) => [x.time.slice(17, 19), x.actorId, x.action, x.operation, x.outcome])).toEqual([
      ["01", "U0EVE", "request-rotate", "-", "refused: not a requester"],
      ["02", "U0ALICE", "request-rotate", "op-cli-1", "accepted"],
      ["03", "U0BOB", "approve", "op-cli-1", "accepted"],
      ["04", "system", "step", "op-cli-1", "ok"],
    ]);
    expect(rs[0]).toMatchObject({ actorName: "eve", cluster });
    expect(rs[3]).toMatchObject({ node: `${cluster}-1`, phase: "backup" });
    expect(r.stderr).toContain(`4 audit records for ${cluster} from 2026-01-05T09:00:01.000Z`);
    expect(r.stderr).toContain("1 refused.");
  });

  it("prints one operation's records only", () => {
    const r = cli("op-cli-1");
    expect(r.status, r.stderr).toBe(0);
    expect(lines(r.stdout).map((x) => x.action)).toEqual(["request-rotate", "approve", "step"]);
    expect(r.stderr).toContain("3 audit records for op-cli-1");
  });

  it("an unknown target is bad usage (64), said on stderr, nothing on stdout", () => {
    const r = cli("op-nope");
    expect(r.status).toBe(64);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('No cluster or operation "op-nope" with audit records.');
  });
});
