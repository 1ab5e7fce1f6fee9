// The channel view's HTTP routes, served by the fake Slack's own server (its extraRoutes option):
// the page and its files, its settings, live change events, and the message box and button actions.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ExtraRoutes, FakeSlack } from "../../test/support/fake-slack/index.js";
import type { ModelEvents } from "./model-events.js";
import { clickButton, SLACKBOT, typeMessage } from "./slack-actions.js";
import { serveStatic } from "./static-files.js";
import { DEMO_USERS, isDemoUser } from "./users.js";

export interface ViewSettings {
  channel: string;
  channelName: string;
  cluster: string;
  /** Live node states (service active/inactive…) for the sidebar. */
  nodes: () => Array<{ name: string; role: string; service: string }>;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-cache" });
  res.end(JSON.stringify(body));
};

function parse(body: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return v && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const str = (v: unknown, max: number) => (typeof v === "string" && v.length <= max ? v : undefined);

export function channelRoutes(
  getFake: () => FakeSlack,
  events: () => ModelEvents,
  s: ViewSettings,
): ExtraRoutes {
  const config = () => ({
    channel: s.channel,
    channelName: s.channelName,
    cluster: s.cluster,
    users: DEMO_USERS,
    bot: { id: getFake().botUserId, name: "rke2-chatops" },
    slackbot: SLACKBOT,
  });
  return async (req: IncomingMessage, res: ServerResponse, url: URL, body: string) => {
    const route = `${req.method} ${url.pathname}`;
    try {
      if (req.method === "GET" && (await serveStatic(url.pathname, res))) return true;
      switch (route) {
        case "GET /_demo/config":
          return (json(res, 200, config()), true);
        case "GET /_demo/nodes":
          return (json(res, 200, s.nodes()), true);
        case "GET /_demo/events":
          return (events().subscribe(req, res), true);
        case "POST /_demo/type": {
          const b = parse(body);
          const text = str(b?.text, 4000);
          if (!b || !isDemoUser(b.user) || !text?.trim())
            return (json(res, 400, { error: "user and text" }), true);
          return (
            json(res, 200, await typeMessage({ fake: getFake(), channel: s.channel }, b.user, text)),
            true
          );
        }
        case "POST /_demo/click": {
          const b = parse(body);
          const actionId = str(b?.actionId, 255);
          const value = str(b?.value, 2000) ?? "";
          if (!b || !isDemoUser(b.user) || !actionId)
            return (json(res, 400, { error: "user and actionId" }), true);
          const messageTs = str(b.messageTs, 40);
          const click = { user: b.user, actionId, value, ...(messageTs ? { messageTs } : {}) };
          return (json(res, 200, await clickButton({ fake: getFake(), channel: s.channel }, click)), true);
        }
      }
      return false;
    } catch (err) {
      if (!res.headersSent) json(res, 500, { error: (err as Error).message });
      return true;
    }
  };
}
