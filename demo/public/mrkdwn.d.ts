export interface MrkdwnContext {
  userName?: (id: string) => string | undefined;
  channelName?: (id: string) => string | undefined;
}
export interface TextObject {
  type?: string;
  text?: string;
  emoji?: boolean;
}
export declare function escapeHtml(s: string): string;
export declare function decodeEntities(s: string): string;
export declare function mrkdwn(source: string | undefined, ctx?: MrkdwnContext): string;
export declare function plainText(obj: TextObject | undefined): string;
export declare function textObject(obj: TextObject | undefined, ctx?: MrkdwnContext): string;
