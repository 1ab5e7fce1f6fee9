import type { ChatPort } from "../shared/chat-port.js";
import type { Logger } from "../shared/logger.js";
import { renderOperationMessage } from "./blocks/operation/render-operation-message.js";
import { renderThreadNote } from "./blocks/operation/render-thread-note.js";
import type { OperationNotifier } from "../operations/engine/ports.js";
import type { OpRecord } from "../operations/engine/records.js";
import { buildOperationView } from "../operations/view/operation-view.js";

/**
 * OperationNotifier over the ChatPort. Posting the plan must succeed (it carries the buttons), so
 * postMain throws; updates and thread replies are best effort: the Redis audit is the record and
 * `/rke2 status` shows it, so a Slack hiccup never halts a roll half way.
 */
export function createChatNotifier(
  chat: ChatPort,
  titles: (op: OpRecord) => string,
  log: Logger,
): OperationNotifier {
  const where = (op: OpRecord) => op.message ?? undefined;
  return {
    async postMain(op, nodes) {
      return chat.post(op.channel, renderOperationMessage(buildOperationView(op, nodes, titles(op))));
    },
    async updateMain(op, nodes) {
      const m = where(op);
      if (!m) return;
      await chat
        .update(m.channel, m.ts, renderOperationMessage(buildOperationView(op, nodes, titles(op))))
        .catch((e: Error) => log.warn({ op: op.id, err: e }, "could not update the operation message"));
    },
    async thread(op, note) {
      const m = where(op);
      if (!m) return;
      await chat
        .post(m.channel, renderThreadNote(note, titles(op)), { threadTs: m.ts })
        .catch((e: Error) => log.warn({ op: op.id, err: e }, "could not post to the operation thread"));
    },
    async progress(op, note, ts) {
      const m = where(op);
      if (!m) return undefined;
      const msg = renderThreadNote({ kind: "progress", ...note }, titles(op));
      if (ts)
        return chat.update(m.channel, ts, msg).then(
          () => ts,
          (e: Error) => {
            log.warn({ op: op.id, err: e }, "could not update the progress message");
            return ts;
          },
        );
      return chat.post(m.channel, msg, { threadTs: m.ts }).then(
        (p) => p.ts,
        (e: Error) => {
          log.warn({ op: op.id, err: e }, "could not post the progress message");
          return undefined;
        },
      );
    },
  };
}
