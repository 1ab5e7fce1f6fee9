import { appendFileSync, existsSync, readFileSync } from "node:fs";
import type { ChatMessage, ChatPort, PostedMessage } from "../../../src/shared/chat-port.js";

export interface ChatCall {
  kind: "post" | "update" | "ephemeral";
  channel: string;
  ts: string;
  threadTs?: string;
  msg: ChatMessage;
}

/**
 * A ChatPort that records every call (the Slack engineer tests the real Slack wiring). With a
 * file, calls are appended as JSON lines so a worker in a child process shares one record.
 */
export class RecordingChat implements ChatPort {
  private seq = 0;
  private readonly mem: ChatCall[] = [];
  constructor(
    private readonly file?: string,
    private readonly tsBase = `${Date.now()}`,
  ) {}

  private add(c: ChatCall): void {
    if (this.file) appendFileSync(this.file, JSON.stringify(c) + "\n");
    else this.mem.push(c);
  }
  calls(): ChatCall[] {
    if (!this.file) return [...this.mem];
    if (!existsSync(this.file)) return [];
    return readFileSync(this.file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ChatCall);
  }
  async post(channel: string, msg: ChatMessage, opts?: { threadTs?: string }): Promise<PostedMessage> {
    const ts = `${this.tsBase}.${String(++this.seq).padStart(6, "0")}${process.pid}`;
    this.add({ kind: "post", channel, ts, msg, ...(opts?.threadTs ? { threadTs: opts.threadTs } : {}) });
    return { channel, ts };
  }
  async update(channel: string, ts: string, msg: ChatMessage): Promise<void> {
    this.add({ kind: "update", channel, ts, msg });
  }
  async postEphemeral(channel: string, _user: string, msg: ChatMessage): Promise<void> {
    this.add({ kind: "ephemeral", channel, ts: "", msg });
  }
  async respond(_url: string, _msg: ChatMessage): Promise<void> {}
  async uploadFile(
    _channel: string,
    _file: { filename: string; content: string; title?: string; threadTs?: string },
  ): Promise<void> {}

  /** Latest content of a top-level message (post, then its updates). */
  latest(ts: string): ChatMessage | undefined {
    return this.calls()
      .filter((c) => c.ts === ts && c.kind !== "ephemeral" && !c.threadTs)
      .at(-1)?.msg;
  }
  thread(ts: string): ChatMessage[] {
    return this.calls()
      .filter((c) => c.threadTs === ts)
      .map((c) => c.msg);
  }
}

/** Buttons of a rendered message: action_id → parsed value. */
export function buttonsOf(msg: ChatMessage | undefined): Map<string, { op: string; token: string }> {
  const out = new Map<string, { op: string; token: string }>();
  for (const b of msg?.blocks ?? [])
    if (b.type === "actions")
      for (const e of b.elements)
        if (e.type === "button" && e.action_id && e.value) out.set(e.action_id, JSON.parse(e.value));
  return out;
}

export const textOf = (msg: ChatMessage | undefined): string =>
  JSON.stringify(msg?.blocks ?? []) + (msg?.text ?? "");
