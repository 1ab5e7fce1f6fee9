import { EventEmitter } from "node:events";

/** One message as a Slack client would show it. */
export interface FakeMessage {
  channel: string;
  ts: string;
  /** Set on thread replies: the parent's ts. */
  threadTs?: string;
  /** Author: the bot's user id, or a human's. */
  user: string;
  text: string;
  blocks?: unknown[];
  /** Only this user sees it (chat.postEphemeral, ephemeral response_url answers). */
  ephemeralFor?: string;
  /** Set when updated in place (chat.update, replace_original). */
  editedAt?: string;
  /** Every version, oldest first, so tests can see updates. */
  history: Array<{ text: string; blocks?: unknown[] }>;
  files?: Array<{ id: string; title?: string; filename?: string; content: string }>;
}

export interface ChannelView {
  id: string;
  name: string;
  messages: Array<FakeMessage & { replies: FakeMessage[] }>;
}

/**
 * The channel state behind the fake Slack: messages per channel, thread replies, in-place updates,
 * ephemeral messages. Emits "change" on every mutation (the demo's browser view listens to it).
 */
export class SlackModel extends EventEmitter {
  private readonly channels = new Map<string, { name: string; messages: FakeMessage[] }>();
  /** User groups (S…) → member user IDs, answered by usergroups.users.list. */
  readonly userGroups = new Map<string, string[]>();
  private seq = 0;

  constructor(private readonly clock: () => number = Date.now) {
    super();
  }

  nextTs(): string {
    this.seq += 1;
    const sec = Math.floor(this.clock() / 1000);
    return `${sec}.${String(this.seq).padStart(6, "0")}`;
  }

  addChannel(id: string, name = id.toLowerCase()): void {
    if (!this.channels.has(id)) this.channels.set(id, { name, messages: [] });
  }

  private channel(id: string) {
    this.addChannel(id);
    return this.channels.get(id)!;
  }

  post(m: Omit<FakeMessage, "ts" | "history"> & { ts?: string }): FakeMessage {
    const msg: FakeMessage = {
      ...m,
      ts: m.ts ?? this.nextTs(),
      history: [{ text: m.text, ...(m.blocks ? { blocks: m.blocks } : {}) }],
    };
    this.channel(m.channel).messages.push(msg);
    this.emit("change", { kind: "post", message: msg });
    return msg;
  }

  update(channel: string, ts: string, patch: { text: string; blocks?: unknown[] }): FakeMessage | undefined {
    const msg = this.find(channel, ts);
    if (!msg) return undefined;
    msg.text = patch.text;
    if (patch.blocks) msg.blocks = patch.blocks;
    msg.editedAt = this.nextTs();
    msg.history.push({ text: patch.text, ...(patch.blocks ? { blocks: patch.blocks } : {}) });
    this.emit("change", { kind: "update", message: msg });
    return msg;
  }

  find(channel: string, ts: string): FakeMessage | undefined {
    return this.channels.get(channel)?.messages.find((m) => m.ts === ts);
  }

  /** Top-level messages of a channel, oldest first; ephemeral ones only with `viewer` set. */
  topLevel(channel: string, opts: { viewer?: string } = {}): FakeMessage[] {
    return (this.channels.get(channel)?.messages ?? []).filter((m) => !m.threadTs && visible(m, opts.viewer));
  }

  replies(channel: string, threadTs: string): FakeMessage[] {
    return (this.channels.get(channel)?.messages ?? []).filter((m) => m.threadTs === threadTs);
  }

  /** Every message of every channel (tests scan them all, e.g. for the limits check). */
  allMessages(): FakeMessage[] {
    return [...this.channels.values()].flatMap((c) => c.messages);
  }

  channelIds(): string[] {
    return [...this.channels.keys()];
  }

  /** JSON view for the browser channel view / debugging. */
  view(channel: string, viewer?: string): ChannelView {
    const c = this.channel(channel);
    return {
      id: channel,
      name: c.name,
      messages: this.topLevel(channel, { viewer }).map((m) => ({
        ...m,
        replies: this.replies(channel, m.ts),
      })),
    };
  }

  /** Resolves with the first message (existing or future) matching the predicate. */
  waitFor(pred: (m: FakeMessage) => boolean, timeoutMs = 10_000): Promise<FakeMessage> {
    const found = this.allMessages().find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off("change", onChange);
        reject(new Error(`no matching Slack message within ${timeoutMs} ms`));
      }, timeoutMs);
      const onChange = (e: { message: FakeMessage }) => {
        if (!pred(e.message)) return;
        clearTimeout(timer);
        this.off("change", onChange);
        resolve(e.message);
      };
      this.on("change", onChange);
    });
  }
}

const visible = (m: FakeMessage, viewer?: string) => !m.ephemeralFor || m.ephemeralFor === viewer;
