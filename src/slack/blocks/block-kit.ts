import type {
  ActionsBlock,
  ActionsBlockElement,
  Button,
  ContextBlock,
  DividerBlock,
  HeaderBlock,
  KnownBlock,
  SectionBlock,
} from "@slack/types";
import { LIMITS } from "./limits.js";

/** Minimal Block Kit builders. Every text is clipped to its limit here, so renderers cannot overflow. */
export type Block = KnownBlock;

export const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** Escape the three characters Slack mrkdwn treats as control characters (mrkdwn.ts). */
export { escapeMrkdwn as esc } from "./mrkdwn.js";

export const header = (text: string): HeaderBlock => ({
  type: "header",
  text: { type: "plain_text", text: clip(text, LIMITS.headerText), emoji: true },
});

export const section = (mrkdwn: string): SectionBlock => ({
  type: "section",
  text: { type: "mrkdwn", text: clip(mrkdwn, LIMITS.sectionText) },
});

export const fieldsSection = (fields: string[]): SectionBlock => ({
  type: "section",
  fields: fields
    .slice(0, LIMITS.fieldsPerSection)
    .map((f) => ({ type: "mrkdwn", text: clip(f, LIMITS.fieldText) })),
});

export const context = (...texts: string[]): ContextBlock => ({
  type: "context",
  elements: texts
    .slice(0, LIMITS.contextElements)
    .map((t) => ({ type: "mrkdwn", text: clip(t, LIMITS.sectionText) })),
});

export const divider = (): DividerBlock => ({ type: "divider" });

export const button = (o: {
  text: string;
  actionId: string;
  value: string;
  style?: "primary" | "danger";
}): Button => ({
  type: "button",
  text: { type: "plain_text", text: clip(o.text, LIMITS.buttonText), emoji: true },
  action_id: o.actionId,
  value: o.value,
  ...(o.style ? { style: o.style } : {}),
});

export const actions = (elements: ActionsBlockElement[]): ActionsBlock => ({
  type: "actions",
  elements: elements.slice(0, LIMITS.actionsElements),
});

/**
 * Pack lines into as few sections as possible (each ≤ 3000 characters). A single over-long line is
 * clipped rather than split, so one certificate never straddles two sections.
 */
export function packLines(lines: string[], maxChars: number = LIMITS.sectionText): string[] {
  const out: string[] = [];
  let cur = "";
  for (const raw of lines) {
    const line = clip(raw, maxChars);
    if (cur && cur.length + 1 + line.length > maxChars) {
      out.push(cur);
      cur = line;
    } else cur = cur ? `${cur}\n${line}` : line;
  }
  if (cur) out.push(cur);
  return out;
}

/**
 * Keep `head` and `tail`, and as many `body` blocks as fit in `max` blocks; when some are left out,
 * a section saying how many (and what to do instead) takes the last place.
 */
export function fitBlocks(
  head: Block[],
  body: Block[],
  tail: Block[],
  omitted: (n: number) => string,
  max: number = LIMITS.blocksPerMessage,
): Block[] {
  const room = max - head.length - tail.length;
  if (body.length <= room) return [...head, ...body, ...tail];
  const kept = body.slice(0, Math.max(0, room - 1));
  return [...head, ...kept, section(omitted(body.length - kept.length)), ...tail];
}
