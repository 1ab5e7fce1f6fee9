// Server-sent events for the channel view: one "change" per model mutation, so the page refreshes
// the messages it shows (posts, in-place updates, thread replies) as they happen.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { SlackModel } from "../../test/support/fake-slack/index.js";

export interface ModelEvents {
  subscribe(req: IncomingMessage, res: ServerResponse): void;
  close(): void;
}

export function createModelEvents(model: SlackModel, heartbeatMs = 15_000): ModelEvents {
  const clients = new Set<ServerResponse>();
  let seq = 0;
  const onChange = () => {
    seq += 1;
    for (const res of clients) res.write(`data: ${seq}\n\n`);
  };
  model.on("change", onChange);
  const heartbeat = setInterval(() => {
    for (const res of clients) res.write(": keep-alive\n\n");
  }, heartbeatMs);
  heartbeat.unref();
  return {
    subscribe(req, res) {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      res.write(`retry: 1000\ndata: ${seq}\n\n`);
      clients.add(res);
      req.on("close", () => clients.delete(res));
    },
    close() {
      model.off("change", onChange);
      clearInterval(heartbeat);
      for (const res of clients) res.end();
      clients.clear();
    },
  };
}
