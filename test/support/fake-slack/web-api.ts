import type { SlackModel } from "./model.js";

export interface WebApiConfig {
  baseUrl: () => string;
  botToken: string;
  appToken?: string;
  botUserId: string;
  botId: string;
  teamId: string;
  /** Socket Mode server URL handed out by apps.connections.open. */
  socketUrl?: () => string | undefined;
}

export type Params = Record<string, unknown>;
export type ApiResult = Record<string, unknown> & { ok: boolean };

interface PendingUpload {
  id: string;
  filename: string;
  content?: string;
}

/** The subset of Slack's Web API the bot uses, answering from and into the model. */
export function createWebApi(model: SlackModel, cfg: WebApiConfig) {
  const uploads = new Map<string, PendingUpload>();
  let fileSeq = 0;
  const blocksOf = (p: Params) => {
    const b = p.blocks;
    if (b === undefined || b === "") return undefined;
    return (typeof b === "string" ? JSON.parse(b) : b) as unknown[];
  };
  const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));

  const methods: Record<string, (p: Params) => ApiResult> = {
    "auth.test": () => ({
      ok: true,
      url: "https://fake.slack.test/",
      team: "Fake Team",
      user: "rke2-chatops",
      team_id: cfg.teamId,
      user_id: cfg.botUserId,
      bot_id: cfg.botId,
    }),
    "chat.postMessage": (p) => {
      const channel = str(p.channel);
      if (!channel) return { ok: false, error: "channel_not_found" };
      const m = model.post({
        channel,
        user: cfg.botUserId,
        text: str(p.text),
        ...(blocksOf(p) ? { blocks: blocksOf(p) } : {}),
        ...(p.thread_ts ? { threadTs: str(p.thread_ts) } : {}),
      });
      return { ok: true, channel, ts: m.ts, message: { text: m.text, ts: m.ts, user: m.user } };
    },
    "chat.update": (p) => {
      const m = model.update(str(p.channel), str(p.ts), {
        text: str(p.text),
        ...(blocksOf(p) ? { blocks: blocksOf(p) } : {}),
      });
      if (!m) return { ok: false, error: "message_not_found" };
      return { ok: true, channel: m.channel, ts: m.ts, text: m.text };
    },
    "chat.postEphemeral": (p) => {
      const m = model.post({
        channel: str(p.channel),
        user: cfg.botUserId,
        text: str(p.text),
        ephemeralFor: str(p.user),
        ...(blocksOf(p) ? { blocks: blocksOf(p) } : {}),
      });
      return { ok: true, message_ts: m.ts };
    },
    "usergroups.users.list": (p) => {
      const users = model.userGroups.get(str(p.usergroup));
      return users ? { ok: true, users: [...users] } : { ok: false, error: "no_such_subteam" };
    },
    "conversations.info": (p) => ({
      ok: true,
      channel: { id: str(p.channel), name: str(p.channel).toLowerCase(), is_member: true },
    }),
    "files.getUploadURLExternal": (p) => {
      fileSeq += 1;
      const id = `F${String(fileSeq).padStart(8, "0")}`;
      uploads.set(id, { id, filename: str(p.filename) });
      return { ok: true, upload_url: `${cfg.baseUrl()}upload/${id}`, file_id: id };
    },
    "files.completeUploadExternal": (p) => {
      const files = (typeof p.files === "string" ? JSON.parse(p.files) : p.files) as Array<{
        id: string;
        title?: string;
      }>;
      const done = files.map((f) => {
        const u = uploads.get(f.id);
        return { id: f.id, title: f.title, filename: u?.filename, content: u?.content ?? "" };
      });
      const channel = str(p.channel_id);
      if (channel)
        model.post({
          channel,
          user: cfg.botUserId,
          text: str(p.initial_comment) || done.map((f) => f.title ?? f.filename).join(", "),
          files: done,
          ...(p.thread_ts ? { threadTs: str(p.thread_ts) } : {}),
        });
      return { ok: true, files: done.map((f) => ({ id: f.id, title: f.title })) };
    },
    "apps.connections.open": () => {
      const url = cfg.socketUrl?.();
      return url ? { ok: true, url } : { ok: false, error: "socket_mode_not_configured" };
    },
  };

  return {
    /** Token check: app-level token for apps.connections.open, the bot token for everything else. */
    call(method: string, params: Params, token: string | undefined): ApiResult {
      const expected = method === "apps.connections.open" ? cfg.appToken : cfg.botToken;
      if (!token) return { ok: false, error: "not_authed" };
      if (token !== expected) return { ok: false, error: "invalid_auth" };
      const fn = methods[method];
      return fn ? fn(params) : { ok: false, error: "unknown_method" };
    },
    /** Body posted to an upload_url. */
    receiveUpload(id: string, content: string): boolean {
      const u = uploads.get(id);
      if (!u) return false;
      u.content = content;
      return true;
    },
  };
}
