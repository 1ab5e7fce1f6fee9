import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  sendButtonClick,
  sendSlashCommand,
  type BotTarget,
  type SignedResult,
  type SignOverrides,
} from "./bot-client.js";
import { SlackModel } from "./model.js";
import { createWebApi, type ApiResult, type Params } from "./web-api.js";

export interface FakeSlackOptions {
  signingSecret?: string;
  botToken?: string;
  appToken?: string;
  botUserId?: string;
  botId?: string;
  teamId?: string;
  port?: number;
  host?: string;
  /** The Socket Mode server's URL, handed out by apps.connections.open. */
  socketUrl?: () => string | undefined;
  /**
   * More routes on the same HTTP server (the demo's channel view and its static files), tried after
   * the built-in ones; resolve true when the request was answered.
   */
  extraRoutes?: ExtraRoutes;
}

export type ExtraRoutes = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: string,
) => boolean | Promise<boolean>;

/** A failure to inject: a Slack error code (HTTP 200, ok:false) or an HTTP status (429 with Retry-After). */
export interface Failure {
  error?: string;
  status?: number;
  retryAfter?: number;
  /** How many calls fail (default 1); Infinity until clearFailures(). */
  times?: number;
  /** Only calls for this channel. */
  channel?: string;
}

export interface ApiCall {
  method: string;
  params: Params;
  status: number;
  result?: ApiResult;
  at: number;
}

export interface ResponsePost {
  url: string;
  body: { text?: string; blocks?: unknown[]; response_type?: string; replace_original?: boolean };
  status: number;
  at: number;
}

export type FakeSlack = Awaited<ReturnType<typeof startFakeSlack>>;

/**
 * A local Slack: the Web API subset the bot uses (reached through SLACK_API_URL), response_url
 * endpoints, file uploads, and a client that sends the bot correctly signed slash commands and
 * button clicks. State lives in a SlackModel; GET /_fake/... exposes it as JSON.
 */
export async function startFakeSlack(o: FakeSlackOptions = {}) {
  const cfg = {
    signingSecret: o.signingSecret ?? "fake-signing-secret",
    botToken: o.botToken ?? "xoxb-fake-bot-token",
    appToken: o.appToken ?? "xapp-1-fake-app-token",
    botUserId: o.botUserId ?? "UBOTRKE2",
    botId: o.botId ?? "BBOTRKE2",
    teamId: o.teamId ?? "T0FAKE",
  };
  const model = new SlackModel();
  const calls: ApiCall[] = [];
  const responses: ResponsePost[] = [];
  const failures = new Map<string, Failure[]>();
  const responseTargets = new Map<string, { channel: string; user: string; messageTs?: string }>();
  let base = "";
  let responseSeq = 0;
  let bot: BotTarget | undefined;
  const api = createWebApi(model, {
    ...cfg,
    baseUrl: () => base,
    ...(o.socketUrl ? { socketUrl: o.socketUrl } : {}),
  });

  const takeFailure = (method: string, channel?: string): Failure | undefined => {
    const list = failures.get(method) ?? [];
    const i = list.findIndex((f) => !f.channel || f.channel === channel);
    if (i < 0) return undefined;
    const f = list[i]!;
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) list.splice(i, 1);
    return f;
  };
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
    res.end(JSON.stringify(body));
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const raw = await readBody(req);
    const parts = url.pathname.split("/").filter(Boolean);
    if (req.method === "POST" && parts[0] === "api" && parts[1]) return handleApi(parts[1], req, raw, res);
    if (req.method === "POST" && parts[0] === "response" && parts[1])
      return handleResponse(url.pathname, raw, res);
    if (req.method === "POST" && parts[0] === "upload" && parts[1]) {
      const ok = api.receiveUpload(
        parts[1],
        multipartField(req.headers["content-type"] ?? "", raw, "body") ?? raw,
      );
      res.writeHead(ok ? 200 : 404, { "content-type": "text/plain" });
      return res.end(ok ? "OK - 1" : "not found");
    }
    if (parts[0] === "_fake") return handleFake(req.method ?? "GET", parts.slice(1), url, raw, res);
    if (o.extraRoutes && (await o.extraRoutes(req, res, url, raw))) return;
    send(res, 404, { ok: false, error: "not_found" });
  });

  function handleApi(method: string, req: IncomingMessage, raw: string, res: ServerResponse) {
    const params = parseParams(req.headers["content-type"] ?? "", raw);
    const auth =
      String(req.headers.authorization ?? "").replace(/^Bearer\s+/i, "") ||
      (params.token as string | undefined);
    const channel = (params.channel ?? params.channel_id) as string | undefined;
    const f = takeFailure(method, channel);
    if (f?.status) {
      calls.push({ method, params, status: f.status, at: Date.now() });
      return send(
        res,
        f.status,
        { ok: false, error: f.status === 429 ? "ratelimited" : "http_error" },
        f.retryAfter !== undefined ? { "retry-after": String(f.retryAfter) } : {},
      );
    }
    const result: ApiResult = f?.error ? { ok: false, error: f.error } : api.call(method, params, auth);
    calls.push({ method, params, status: 200, result, at: Date.now() });
    send(res, 200, result);
  }

  function handleResponse(path: string, raw: string, res: ServerResponse) {
    const url = `${base}${path.slice(1)}`;
    const target = responseTargets.get(url);
    const f = takeFailure("response_url");
    if (f?.status || !target) {
      const status = f?.status ?? 404;
      responses.push({ url, body: {}, status, at: Date.now() });
      res.writeHead(status, {
        "content-type": "text/plain",
        ...(f?.retryAfter !== undefined ? { "retry-after": String(f.retryAfter) } : {}),
      });
      return res.end(f?.error ?? "no_such_response_url");
    }
    if (f?.error) {
      responses.push({ url, body: {}, status: 200, at: Date.now() });
      return send(res, 200, { ok: false, error: f.error });
    }
    const body = JSON.parse(raw || "{}") as ResponsePost["body"];
    responses.push({ url, body, status: 200, at: Date.now() });
    const content = { text: body.text ?? "", ...(body.blocks ? { blocks: body.blocks } : {}) };
    if (body.replace_original && target.messageTs && model.find(target.channel, target.messageTs))
      model.update(target.channel, target.messageTs, content);
    else if (body.response_type === "in_channel")
      model.post({ channel: target.channel, user: cfg.botUserId, ...content });
    else model.post({ channel: target.channel, user: cfg.botUserId, ephemeralFor: target.user, ...content });
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok");
  }

  async function handleFake(method: string, parts: string[], url: URL, raw: string, res: ServerResponse) {
    const [what, id] = parts;
    if (method === "GET" && what === "channels" && id)
      return send(res, 200, model.view(id, url.searchParams.get("viewer") ?? undefined));
    if (method === "GET" && what === "channels") return send(res, 200, model.channelIds());
    if (method === "GET" && what === "calls") return send(res, 200, calls);
    const body = JSON.parse(raw || "{}") as Record<string, string>;
    if (method === "POST" && what === "slash")
      return send(
        res,
        200,
        await fake.slashCommand(body.text ?? "", body.user ?? "U0HUMAN", { channel: body.channel }),
      );
    if (method === "POST" && what === "click")
      return send(
        res,
        200,
        await fake.clickButton({
          actionId: body.actionId!,
          value: body.value ?? "",
          user: body.user ?? "U0HUMAN",
          channel: body.channel,
          messageTs: body.messageTs,
        }),
      );
    send(res, 404, { ok: false, error: "not_found" });
  }

  await new Promise<void>((resolve) => server.listen(o.port ?? 0, o.host ?? "127.0.0.1", resolve));
  base = `http://${o.host ?? "127.0.0.1"}:${(server.address() as AddressInfo).port}/`;

  const fake = {
    ...cfg,
    url: base,
    apiUrl: `${base}api/`,
    model,
    calls,
    responses,
    callsTo: (method: string) => calls.filter((c) => c.method === method),
    failNext(method: string, f: Failure) {
      failures.set(method, [...(failures.get(method) ?? []), { ...f }]);
    },
    clearFailures: () => failures.clear(),
    /** A response_url for a command or click by `user` in `channel`. */
    newResponseUrl(channel: string, user: string, messageTs?: string): string {
      responseSeq += 1;
      const url = `${base}response/${cfg.teamId}/${responseSeq}/${Math.random().toString(36).slice(2, 10)}`;
      responseTargets.set(url, { channel, user, ...(messageTs ? { messageTs } : {}) });
      model.addChannel(channel);
      return url;
    },
    responsesTo: (url: string) => responses.filter((r) => r.url === url && r.status === 200),
    /** Resolves once `n` successful posts reached the response_url. */
    waitForResponses: (url: string, n = 1, timeoutMs = 15_000) =>
      waitUntil(
        () => {
          const got = responses.filter((r) => r.url === url && r.status === 200);
          return got.length >= n ? got : undefined;
        },
        timeoutMs,
        `${n} response(s) to ${url}`,
      ),
    waitForCall: (method: string, pred: (c: ApiCall) => boolean = () => true, timeoutMs = 15_000) =>
      waitUntil(() => calls.find((c) => c.method === method && pred(c)), timeoutMs, `a ${method} call`),
    /** Where signed slash commands and clicks go: the bot's POST /slack/events. */
    setBot(eventsUrl: string) {
      bot = { eventsUrl, signingSecret: cfg.signingSecret, teamId: cfg.teamId };
    },
    async slashCommand(
      text: string,
      user: string,
      opts: { channel?: string; userName?: string; sign?: SignOverrides } = {},
    ): Promise<SignedResult & { responseUrl: string }> {
      if (!bot) throw new Error("call setBot(eventsUrl) first");
      const channel = opts.channel ?? "C0OPS";
      const responseUrl = fake.newResponseUrl(channel, user);
      const r = await sendSlashCommand(
        bot,
        { text, user, channel, responseUrl, ...(opts.userName ? { userName: opts.userName } : {}) },
        opts.sign,
      );
      return { ...r, responseUrl };
    },
    async clickButton(c: {
      actionId: string;
      value: string;
      user: string;
      channel?: string;
      messageTs?: string;
      sign?: SignOverrides;
    }): Promise<SignedResult & { responseUrl: string }> {
      if (!bot) throw new Error("call setBot(eventsUrl) first");
      const channel = c.channel ?? "C0OPS";
      const responseUrl = fake.newResponseUrl(channel, c.user, c.messageTs);
      const r = await sendButtonClick(
        bot,
        {
          actionId: c.actionId,
          value: c.value,
          user: c.user,
          channel,
          responseUrl,
          ...(c.messageTs ? { messageTs: c.messageTs } : {}),
        },
        c.sign,
      );
      return { ...r, responseUrl };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return fake;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseParams(contentType: string, raw: string): Params {
  if (contentType.includes("application/json")) return raw ? (JSON.parse(raw) as Params) : {};
  if (contentType.includes("application/x-www-form-urlencoded"))
    return Object.fromEntries(new URLSearchParams(raw));
  return {};
}

/** The value of one field of a multipart/form-data body (the Web client uploads files that way). */
function multipartField(contentType: string, raw: string, name: string): string | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return undefined;
  for (const part of raw.split(`--${boundary[1] ?? boundary[2]}`)) {
    const split = part.indexOf("\r\n\r\n");
    if (split < 0 || !part.slice(0, split).includes(`name="${name}"`)) continue;
    return part.slice(split + 4).replace(/\r\n$/, "");
  }
  return undefined;
}

async function waitUntil<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
