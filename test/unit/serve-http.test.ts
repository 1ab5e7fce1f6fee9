import { HTTPReceiver } from "@slack/bolt";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/shared/logger.js";
import { requestPath } from "../../src/slack/http/request-path.js";
import { closeServer, createHttpServer, listen } from "../../src/slack/http/serve-http.js";
import { sendRaw } from "../support/raw-http.js";

describe("requestPath", () => {
  it("takes the path of origin-form and absolute-form targets", () => {
    expect(requestPath("/healthz")).toBe("/healthz");
    expect(requestPath("/healthz?x=1#f")).toBe("/healthz");
    expect(requestPath("//slack/events")).toBe("//slack/events");
    expect(requestPath("http://example.com/metrics")).toBe("/metrics");
    expect(requestPath("HTTPS://example.com:8443/a/b")).toBe("/a/b");
  });

  it("refuses what WHATWG URL rejects and targets that are not paths, without throwing", () => {
    for (const t of ["http://[/", "http://a:99999/", "http://%zz/", "*", "example.com:443", "", undefined])
      expect(requestPath(t)).toBeUndefined();
    expect(requestPath("ftp://example.com/healthz")).toBeUndefined();
  });
});

describe("the HTTP server's routing", () => {
  let server: Server;
  let port: number;
  const get = (target: string, method = "GET", extra = "", body = "") =>
    sendRaw(port, `${method} ${target} HTTP/1.1\r\nHost: x\r\n${extra}\r\n${body}`);

  beforeAll(async () => {
    const bolt = new HTTPReceiver({ signingSecret: "s3cret", endpoints: "/slack/events" });
    server = createHttpServer({
      logger: silentLogger,
      fallback: bolt.requestListener,
      routes: {
        "GET /healthz": (_req, res) => void res.writeHead(200).end("ok\n"),
        "GET /boom": () => Promise.reject(new Error("handler bug")),
        "POST /throws": () => {
          throw new Error("sync handler bug");
        },
      },
    });
    port = await listen(server, 0, "127.0.0.1");
  });
  afterAll(async () => closeServer(server));

  it("answers request targets `new URL` cannot parse with 400, and keeps serving", async () => {
    for (const target of ["http://[/", "http://a:99999/", "http://%zz/", "http://[/healthz", "*"]) {
      const r = await get(target);
      expect(r.statuses, target).toEqual([400]);
    }
    expect((await get("/healthz")).statuses).toEqual([200]);
  });

  it("routes absolute-form targets by their path", async () => {
    expect((await get("http://example.com/healthz")).statuses).toEqual([200]);
    expect((await get("http://example.com/nope")).statuses).toEqual([404]);
  });

  it("answers a known path with the wrong method 405 and names the allowed ones", async () => {
    const r = await get("/healthz", "DELETE");
    expect(r.statuses).toEqual([405]);
    expect(r.raw).toMatch(/^allow: GET\r$/im);
  });

  it("answers unknown paths 404 and hands only parseable targets to Bolt", async () => {
    expect((await get("/nope")).statuses).toEqual([404]);
    expect((await get("/slack/events")).statuses).toEqual([404]);
    expect((await get("http://a:99999/slack/events", "POST", "content-length: 0\r\n")).statuses).toEqual([
      400,
    ]);
    const unsigned = await get("/slack/events", "POST", "content-length: 2\r\n", "{}");
    expect(unsigned.statuses).toEqual([401]);
  });

  it("refuses a body larger than Slack ever sends with 413 before reading it", async () => {
    const r = await get("/slack/events", "POST", `content-length: ${50 * 1024 * 1024}\r\n`);
    expect(r.statuses).toEqual([413]);
  });

  it("answers a failing handler 500 without taking the server down", async () => {
    expect((await get("/boom")).statuses).toEqual([500]);
    expect((await get("/throws", "POST", "content-length: 0\r\n")).statuses).toEqual([500]);
    expect((await get("/healthz")).statuses).toEqual([200]);
  });

  it("answers bytes the HTTP parser refuses with 400 (431 for oversized headers) and hangs up", async () => {
    expect((await sendRaw(port, "GET /heal\0thz HTTP/1.1\r\nHost: x\r\n\r\n")).statuses).toEqual([400]);
    expect((await sendRaw(port, "NOT A REQUEST\r\n\r\n")).statuses).toEqual([400]);
    const big = await get("/healthz", "GET", `x-big: ${"a".repeat(64 * 1024)}\r\n`);
    expect(big.statuses).toEqual([431]);
  });
});
