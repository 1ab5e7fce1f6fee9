import { escapeMrkdwn } from "../../shared/mrkdwn.js";
import { LIMITS } from "./limits.js";

export { escapeMrkdwn, inlineCode } from "../../shared/mrkdwn.js";

/** Two backticks in a row never survive, so untrusted text cannot close (or open) a code span or block. */
const breakBackticks = (s: string): string => s.replace(/`(?=`)/g, "`\u200b");

const escapedLength = (ch: string): number => (ch === "&" ? 5 : ch === "<" || ch === ">" ? 4 : ch.length);

/** Escape, keeping as much of the start or end of `s` as fits in `max` characters once escaped. */
function escapeWithin(s: string, max: number, keep: "start" | "end"): string {
  if (escapeMrkdwn(s).length <= max) return escapeMrkdwn(s);
  const chars = [...s];
  if (keep === "end") chars.reverse();
  let room = max - 1; // for the ellipsis
  const kept: string[] = [];
  for (const ch of chars) {
    room -= escapedLength(ch);
    if (room < 0) break;
    kept.push(ch);
  }
  if (keep === "end") return `…${escapeMrkdwn(kept.reverse().join(""))}`;
  return `${escapeMrkdwn(kept.join(""))}…`;
}

/**
 * Untrusted multi-line text (stderr, command output) as a code block that fits one section:
 * escaped, ``` inside broken up, cut at the start by default (tools say what went wrong last).
 */
export function codeBlock(s: string, opts: { max?: number; keep?: "start" | "end" } = {}): string {
  const max = (opts.max ?? LIMITS.sectionText) - 6;
  // Backticks broken up before cutting: the zero-width spaces count towards the limit too.
  const body = escapeWithin(breakBackticks(s.replace(/\s+$/, "")), max, opts.keep ?? "end");
  return "```" + (body || " ") + "```";
}
