import { explain, type ExplainDeps } from "../../explain/explain-use-case.js";
import type { ChatMessage } from "../../shared/chat-port.js";
import { renderExplain } from "../blocks/render-explain.js";

/** `/rke2 explain <text>` as the Slack layer's extension handler. */
export function createExplainCommand(deps: ExplainDeps): (cmd: { text: string }) => Promise<ChatMessage> {
  return async (cmd) => renderExplain(await explain(cmd.text, deps));
}
