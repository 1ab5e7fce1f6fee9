import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchChannels } from "../../src/rke2/channel-client.js";

// A local channel server that misbehaves per path; `sent` counts body bytes written per request.
let server: Server;
let base = "";
const sent: Record<string, number> = {};
const CHANNELS = JSON.stringify({ data: [{ id: "stable", latest: "v1.33.6+rke2r1" }] });

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0]!;
    sent[path] = 0;
    const write = (chunk: string) => {
      sent[path]! += chunk.length;
      return res.write(chunk);
    };
    if (path === "/ok") {
      res.setHeader("content-type", "application/json");
      return void res.end(CHANNELS);
    }
    if (path === "/html") {
      res.setHeader("content-type", "text/html; charset=utf-8");
      return void res.end("<html><body>Sign in to the proxy</body></html>");
    }
    if (path === "/not-json") {
      res.setHeader("content-type", "application/octet-stream");
      return void res.end("channels: stable");
    }
    if (path === "/declared-huge") {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(5 << 20) });
      return void write("{");
    }
    if (path === "/endless") {
      // Chunked, no length: 64 KiB pieces until the client goes away (or 8 MB).
      res.writeHead(200, { "content-type": "application/json" });
      const piece = " ".repeat(64 * 1024);
      const pump = () => {
        while (sent[path]! < 8 << 20) {
          if (res.destroyed) return;
          if (!write(piece)) return void res.once("drain", pump);
        }
        res.end("{}");
      };
      res.on("close", () => undefined);
      return pump();
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const failure = (url: string) =>
  fetchChannels(url).then(
    () => {
      throw new Error("expected a refusal");
    },
    (e: Error) => e.message,
  );

describe("the channel server's answer is bounded and must be JSON", () => {
  it("reads a normal collection", async () => {
    expect(await fetchChannels(`${base}/ok?token=abc`)).toEqual([{ id: "stable", latest: "v1.33.6+rke2r1" }]);
  });

  it("stops reading after 1 MB and says so, naming the URL without its token", async () => {
    const msg = await failure(`${base}/endless?token=s3cret`);
    expect(msg).toBe(
      `release channel server ${base}/endless?token=*** sent more than 1 MB; refusing to read it (is channelUrl right?)`,
    );
    // The transfer was aborted, not read to the end.
    expect(sent["/endless"]).toBeLessThan(8 << 20);
    expect(await failure(`${base}/declared-huge`)).toMatch(/sent more than 1 MB/);
  });

  it("refuses HTML and bodies that are not JSON", async () => {
    expect(await failure(`${base}/html?access_token=s3cret`)).toBe(
      `release channel server ${base}/html?access_token=*** answered with text/html, not JSON: channelUrl must point at the channels API (…/v1-release/channels)`,
    );
    expect(await failure(`${base}/not-json`)).toMatch(
      /answered with application\/octet-stream content that does not parse, not JSON/,
    );
  });

  it("an unreachable or failing server is named redacted too", async () => {
    expect(await failure(`${base}/missing?token=s3cret`)).toBe(
      `release channel server ${base}/missing?token=*** answered HTTP 404`,
    );
  });
});
