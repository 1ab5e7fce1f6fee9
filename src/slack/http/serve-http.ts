import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "../../shared/logger.js";
import { requestPath } from "./request-path.js";

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
/** Keys are "METHOD /path", e.g. "GET /healthz". */
export type Routes = Record<string, RouteHandler>;

/** Bolt's default body limit for POST /slack/events; nothing we serve takes a larger body. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Slack waits 3 s for an ack: a request still arriving after these is an attack or a dead peer. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The process's one HTTP server on PORT: our routes (/healthz, /metrics) first, then Bolt's
 * receiver for POST /slack/events when the bot runs in HTTP mode; 404 for anything else.
 * The port may face the internet: every malformed request gets a 4xx, none can throw.
 */
export function createHttpServer(o: { routes: Routes; fallback?: RequestListener; logger: Logger }): Server {
  const server = createServer(
    { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
    (req, res) => {
      res.on("error", (err) => o.logger.debug({ err }, "HTTP response failed"));
      try {
        dispatch(o, req, res);
      } catch (err) {
        fail(o.logger, res, req.url, err);
      }
    },
  );
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => refuse(o.logger, err, socket));
  // A server error after listening (e.g. EMFILE on accept under a flood) must not be an unheard event.
  server.on("error", (err) => o.logger.error({ err }, "HTTP server error"));
  return server;
}

function dispatch(
  o: { routes: Routes; fallback?: RequestListener; logger: Logger },
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const path = requestPath(req.url);
  if (path === undefined) return reply(res, 400, "bad request target\n");
  // HTTP/0.9 has no headers; two Host lines are a smuggling vector (RFC 9112 §3.2 says 400).
  if (req.httpVersionMajor !== 1 || hostLines(req) > 1) return reply(res, 400, "bad request\n");
  const length = Number(req.headers["content-length"] ?? 0);
  if (length > MAX_BODY_BYTES) return reply(res, 413, "request body too large\n", { connection: "close" });
  const method = (req.method ?? "GET").toUpperCase();
  const route = o.routes[`${method} ${path}`];
  if (route) {
    Promise.resolve()
      .then(() => route(req, res))
      .catch((err: unknown) => fail(o.logger, res, path, err));
    return;
  }
  const allowed = Object.keys(o.routes)
    .filter((k) => k.slice(k.indexOf(" ") + 1) === path)
    .map((k) => k.slice(0, k.indexOf(" ")));
  if (allowed.length > 0) return reply(res, 405, "method not allowed\n", { allow: allowed.join(", ") });
  if (o.fallback) {
    // Bolt parses req.url with `new URL` and no try: hand it the path we already validated.
    req.url = path;
    try {
      o.fallback(req, res);
      return;
    } catch (err) {
      // Bolt throws HTTPReceiverDeferredRequestError for paths it does not handle.
      if ((err as { code?: string }).code !== "slack_bolt_http_receiver_deferred_request_error")
        return fail(o.logger, res, path, err);
    }
  }
  reply(res, 404, "not found\n");
}

const hostLines = (req: IncomingMessage) =>
  req.rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === "host").length;

function reply(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return void res.end();
  res.writeHead(status, { "content-type": "text/plain", ...headers });
  res.end(body);
}

function fail(logger: Logger, res: ServerResponse, path: string | undefined, err: unknown): void {
  logger.error({ path, err }, "HTTP handler failed");
  reply(res, 500, "internal error\n");
}

/** Bytes the HTTP parser refused (bad request line, header, chunk, size): answer and hang up. */
function refuse(logger: Logger, err: NodeJS.ErrnoException, duplex: Duplex): void {
  const socket = duplex as Socket & { _httpMessage?: ServerResponse };
  logger.debug({ code: err.code, err }, "malformed HTTP request refused");
  if (err.code === "ECONNRESET" || !socket.writable || socket._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const status =
    err.code === "HPE_HEADER_OVERFLOW"
      ? "431 Request Header Fields Too Large"
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? "408 Request Timeout"
        : "400 Bad Request";
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`, () => socket.destroy());
}

/** Listen and resolve with the bound port (PORT=0 picks a free one, for tests). */
export function listen(server: Server, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
