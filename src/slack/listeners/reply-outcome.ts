import type { Outcome } from "../../operations/operations-api.js";
import type { ChatMessage } from "../../shared/chat-port.js";
import { renderNotice } from "../blocks/render-notice.js";
import { errorReply } from "../error-reply.js";

/** An operations Outcome as a short ephemeral answer. Engine messages are our own text: mrkdwn kept. */
export function outcomeMessage(o: Outcome): ChatMessage {
  const id = o.operationId && !o.message.includes(o.operationId) ? ` (\`${o.operationId}\`)` : "";
  return renderNotice(`${o.message}${id}`, {
    emoji: o.ok ? ":white_check_mark:" : ":no_entry_sign:",
    trusted: true,
  });
}

/** Something threw while `what`: the one error-to-reply mapper decides what the operator sees. */
export const failureMessage = (what: string, err: unknown): ChatMessage => errorReply(err, what);
