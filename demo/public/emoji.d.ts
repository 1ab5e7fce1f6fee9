export declare const EMOJI: Record<string, string>;
export declare function emojify(text: string): string;
