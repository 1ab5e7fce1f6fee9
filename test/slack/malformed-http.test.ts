import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack/index.js";
import { freePort } from "../support/free-port.js";
import { startMainProcess, type MainProcess, writeOfflineInventory } from "../support/main-process.js";
import { seededRandom, sendRaw, type RawResult } from "../support/raw-http.js";

/** The process uses the default key prefix, so it gets a Redis database of its own. */
const DB = 9;
const ROUTES = ["/healthz", "/metrics", "/slack/events", "/no/such/route"];
const SEED = 0x14c0ffee;

/** What a case may get back: a 4xx, or (bytes no parser can frame) a hang-up; "any" still excludes 5xx. */
type Expect = "4xx" | "4xx-or-closed" | "any";
interface Case {
  name: string;
  bytes: Buffer | string;
  expect: Expect;
}

const req = (line: string, headers = "Host: x\r\n", body = "") => `${line}\r\n${headers}\r\n${body}`;

/** Hand-written malformed requests, each sent to every route. */
function casesFor(p: string): Case[] {
  const c = (name: string, bytes: string, expect: Expect = "4xx"): Case => ({
    name: `${name} ${p}`,
    bytes,
    expect,
  });
  const post = (headers: string, body = "") => req(`POST ${p} HTTP/1.1`, `Host: x\r\n${headers}`, body);
  return [
    c("unparseable IPv6 host", req(`GET http://[${p} HTTP/1.1`)),
    c("port out of range", req(`GET http://a:99999${p} HTTP/1.1`)),
    c("bad percent-encoding in host", req(`GET http://%zz${p} HTTP/1.1`)),
    c("absolute-form URL", req(`GET http://example.com${p} HTTP/1.1`), "any"),
    c("absolute-form with userinfo", req(`GET http://u:p@example.com:80${p}?q=1 HTTP/1.1`), "any"),
    c("asterisk target", req(`OPTIONS * HTTP/1.1`)),
    c("asterisk GET", req(`GET * HTTP/1.1`)),
    c("authority-form", req(`GET example.com:443 HTTP/1.1`)),
    c("NUL in path", req(`GET ${p}\0x HTTP/1.1`)),
    c("NUL in header value", req(`GET ${p} HTTP/1.1`, "Host: x\r\nX-A: a\0b\r\n")),
    c("overlong path", req(`GET ${p}/${"a".repeat(40_000)} HTTP/1.1`)),
    c("overlong query", req(`GET ${p}?${"%41".repeat(20_000)} HTTP/1.1`)),
    c("invalid method", req(`G@T ${p} HTTP/1.1`)),
    c("unknown method", req(`FROB ${p} HTTP/1.1`)),
    c("unusual method", req(`PURGE ${p} HTTP/1.1`)),
    c("lower-case method", req(`get ${p} HTTP/1.1`)),
    c("bad version", req(`GET ${p} HTTP/9.9`)),
    c("bad protocol name", req(`GET ${p} HTTX/1.1`)),
    c("missing version", `GET ${p}\r\n\r\n`, "4xx-or-closed"),
    c("missing Host", `GET ${p} HTTP/1.1\r\n\r\n`),
    c("two Host headers", req(`GET ${p} HTTP/1.1`, "Host: a\r\nHost: b\r\n")),
    c("space in header name", req(`GET ${p} HTTP/1.1`, "Host: x\r\nBad Header: 1\r\n")),
    c("control byte in header name", req(`GET ${p} HTTP/1.1`, "Host: x\r\nX\x01Y: 1\r\n")),
    c("empty header name", req(`GET ${p} HTTP/1.1`, "Host: x\r\n: 1\r\n")),
    c("header without colon", req(`GET ${p} HTTP/1.1`, "Host: x\r\nNoColon\r\n")),
    c("obsolete line folding", req(`GET ${p} HTTP/1.1`, "Host: x\r\nX-A: a\r\n b\r\n")),
    c("oversized header", req(`GET ${p} HTTP/1.1`, `Host: x\r\nX-Big: ${"b".repeat(70_000)}\r\n`)),
    c("thousands of headers", req(`GET ${p} HTTP/1.1`, `Host: x\r\n${"X-N: 1\r\n".repeat(5000)}`)),
    c("duplicate content-length", post("Content-Length: 2\r\nContent-Length: 3\r\n", "abc")),
    c("same content-length twice", post("Content-Length: 2\r\nContent-Length: 2\r\n", "ab")),
    c("negative content-length", post("Content-Length: -1\r\n")),
    c("non-numeric content-length", post("Content-Length: abc\r\n")),
    c("content-length and chunked", post("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n")),
    c("unknown transfer-encoding", post("Transfer-Encoding: gzip\r\n", "abc")),
    c("chunked garbage", post("Transfer-Encoding: chunked\r\n", "zz\r\nabc\r\n0\r\n\r\n")),
    c("chunk size overflow", post("Transfer-Encoding: chunked\r\n", "ffffffffffffffffffff\r\nabc\r\n")),
    c("chunk without terminator", post("Transfer-Encoding: chunked\r\n", "3\r\nabcdef\r\n"), "4xx-or-closed"),
    c("huge declared body", post(`Content-Length: ${1024 ** 3}\r\n`, "x")),
    c("truncated body", post("Content-Length: 100\r\n", "ab"), "4xx-or-closed"),
    c(
      "unsigned form body",
      post("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n", "text=hi"),
    ),
    c(
      "forged signature",
      post(
        `X-Slack-Signature: v0=00\r\nX-Slack-Request-Timestamp: ${Math.floor(Date.now() / 1000)}\r\nContent-Type: application/json\r\nContent-Length: 1\r\n`,
        "{",
      ),
    ),
    c(
      "stale timestamp",
      post("X-Slack-Signature: v0=00\r\nX-Slack-Request-Timestamp: 1\r\nContent-Length: 2\r\n", "{}"),
    ),
    c(
      "non-numeric timestamp",
      post("X-Slack-Signature: x\r\nX-Slack-Request-Timestamp: zz\r\nContent-Length: 2\r\n", "{}"),
    ),
    c("expect garbage", post("Expect: nonsense\r\nContent-Length: 2\r\n", "{}")),
    c("connect method", req(`CONNECT ${p} HTTP/1.1`), "4xx-or-closed"),
    c(
      "upgrade request",
      req(`GET ${p} HTTP/1.1`, "Host: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n"),
      "any",
    ),
    c("encoded traversal", req(`GET ${p}/..%2f..%2fetc%2fpasswd HTTP/1.1`)),
    c("encoded NUL", req(`GET ${p}%00 HTTP/1.1`)),
    c("bare LF line endings", `GET ${p} HTTP/1.1\nHost: x\n\n`, "any"),
    c(
      "valid then garbage on one connection",
      req(`GET ${p} HTTP/1.1`) + "\x00\xff\xfe garbage\r\n\r\n",
      "any",
    ),
  ];
}

/** Random bytes, and valid requests with random bytes flipped, from a seeded PRNG. */
function randomCases(n: number): Case[] {
  const rnd = seededRandom(SEED);
  const int = (max: number) => Math.floor(rnd() * max);
  const out: Case[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      const bytes = Buffer.from(Array.from({ length: 1 + int(600) }, () => int(256)));
      out.push({ name: `random bytes #${i} (seed ${SEED})`, bytes, expect: "4xx-or-closed" });
      continue;
    }
    const base = Buffer.from(
      req(
        `POST ${ROUTES[int(ROUTES.length)]} HTTP/1.1`,
        "Host: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n",
        "{}",
      ),
    );
    for (let k = 1 + int(4); k > 0; k--) base[int(base.length)] = int(256);
    out.push({ name: `mutated request #${i} (seed ${SEED})`, bytes: base, expect: "any" });
  }
  return out;
}

/** A body larger than Bolt's 4 MB limit, really sent, chunked. */
function hugeChunkedBody(): Case {
  const chunk = "x".repeat(64 * 1024);
  const body = `${`${chunk.length.toString(16)}\r\n${chunk}\r\n`.repeat(80)}0\r\n\r\n`;
  return {
    name: "5 MB chunked body to /slack/events",
    bytes: req("POST /slack/events HTTP/1.1", "Host: x\r\nTransfer-Encoding: chunked\r\n", body),
    expect: "4xx",
  };
}

function verdict(c: Case, r: RawResult): string | undefined {
  if (r.timedOut) return "no answer and no hang-up within 15 s";
  if (r.statuses.some((s) => s >= 500)) return `5xx: ${r.raw.slice(0, 200)}`;
  if (c.expect === "any") return undefined;
  if (r.closedWithoutResponse) return c.expect === "4xx-or-closed" ? undefined : "closed without a response";
  const last = r.statuses.at(-1)!;
  return last >= 400 && last < 500 ? undefined : `expected 4xx, got ${r.statuses.join(",")}`;
}

describe("malformed HTTP against the real entry point (node dist/main.js, ROLE=all)", () => {
  const redisUrl = `${inject("redisUrl")}/${DB}`;
  let fake: FakeSlack;
  let bot: MainProcess;
  let dir: string;
  let redis: Redis;

  beforeAll(async () => {
    fake = await startFakeSlack();
    redis = new Redis(redisUrl);
    await redis.flushdb();
    dir = mkdtempSync(join(tmpdir(), "malformed-http-"));
    const inventory = writeOfflineInventory(dir);
    bot = await startMainProcess(
      {
        SLACK_BOT_TOKEN: fake.botToken,
        SLACK_SIGNING_SECRET: fake.signingSecret,
        SLACK_API_URL: fake.apiUrl,
        REDIS_URL: redisUrl,
        RKE2_CHATOPS_CONFIG: inventory,
        LOG_LEVEL: "info",
        ROLE: "all",
      },
      await freePort(),
    );
    fake.setBot(`http://127.0.0.1:${bot.port}/slack/events`);
  }, 60_000);
  afterAll(async () => {
    await bot?.terminate();
    await redis?.flushdb();
    redis?.disconnect();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("answers a few hundred malformed requests with 4xx or a hang-up, never 5xx, and stays up", async () => {
    const cases = [...ROUTES.flatMap(casesFor), ...randomCases(200), hugeChunkedBody()];
    expect(cases.length).toBeGreaterThan(350);
    const failures: string[] = [];
    // A few connections at a time: realistic for a scanner, quick on two cores.
    for (let i = 0; i < cases.length; i += 8) {
      const batch = cases.slice(i, i + 8);
      const results = await Promise.all(batch.map((c) => sendRaw(bot.port, c.bytes)));
      batch.forEach((c, j) => {
        const v = verdict(c, results[j]!);
        if (v) failures.push(`${c.name}: ${v}`);
      });
      expect(bot.alive(), `process died after ${batch.map((c) => c.name).join(", ")}`).toBe(true);
    }
    expect(failures).toEqual([]);

    expect(bot.alive()).toBe(true);
    expect(() => process.kill(bot.pid, 0)).not.toThrow();
    expect((await fetch(`http://127.0.0.1:${bot.port}/healthz`)).status).toBe(200);
    const help = await fake.slashCommand("help", "U0ALICE", { channel: "C0EDGEOPS" });
    expect(help.status).toBe(200);
    expect(JSON.stringify(help.json)).toContain("/rke2 certs [cluster] [node]");
    expect(bot.output()).not.toMatch(/uncaughtException|unhandledRejection|Unhandled 'error' event/);
  }, 180_000);
});
