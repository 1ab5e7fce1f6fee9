import type { MrkdwnContext } from "./mrkdwn.js";

export interface RenderableMessage {
  text?: string;
  blocks?: unknown[];
}
export declare function renderMessageBody(message: RenderableMessage, ctx?: MrkdwnContext): string;
export declare function renderFiles(
  files: Array<{ id: string; title?: string; filename?: string; content?: string }> | undefined,
): string;
