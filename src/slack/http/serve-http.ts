import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../../shared/logger.js";

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
/** Keys are "METHOD /path", e.g. "GET /healthz". */
export type Routes = Record<string, RouteHandler>;

/**
 * The process's one HTTP server on PORT: our routes (/healthz, /metrics) first, then Bolt's
 * receiver for POST /slack/events when the bot runs in HTTP mode; 404 for anything else.
 */
export function createHttpServer(o: { routes: Routes; fallback?: RequestListener; logger: Logger }): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const route = o.routes[`${(req.method ?? "GET").toUpperCase()} ${path}`];
    const fail = (err: unknown) => {
      o.logger.error({ path, err: (err as Error).message }, "HTTP handler failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("internal error\n");
    };
    if (route) {
      Promise.resolve()
        .then(() => route(req, res))
        .catch(fail);
      return;
    }
    if (o.fallback) {
      try {
        o.fallback(req, res);
        return;
      } catch (err) {
        // Bolt throws HTTPReceiverDeferredRequestError for paths it does not handle.
        if ((err as { code?: string }).code !== "slack_bolt_http_receiver_deferred_request_error")
          return fail(err);
      }
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found\n");
  });
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
