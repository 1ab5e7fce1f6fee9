import type { Button, KnownBlock } from "@slack/types";

/**
 * Slack's Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks). Every message the
 * bot builds is checked against these in tests; renderers summarise rather than overflow.
 */
export const LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  headerText: 150,
  fieldsPerSection: 10,
  fieldText: 2000,
  contextElements: 10,
  buttonText: 75,
  actionValue: 2000,
  actionId: 255,
  actionsElements: 25,
  messageText: 40000,
} as const;

const textOf = (t: { text: string } | undefined): string => t?.text ?? "";

/** Every limit a message breaks, one line each; empty when it is within limits. */
export function checkMessageLimits(msg: { text?: string; blocks?: readonly KnownBlock[] }): string[] {
  const problems: string[] = [];
  if ((msg.text ?? "").length > LIMITS.messageText)
    problems.push(`text: ${msg.text?.length} > ${LIMITS.messageText} characters`);
  if (!msg.text && !(msg.blocks?.length ?? 0)) problems.push("message has neither text nor blocks");
  const blocks = msg.blocks ?? [];
  if (blocks.length > LIMITS.blocksPerMessage)
    problems.push(`${blocks.length} blocks > ${LIMITS.blocksPerMessage}`);
  blocks.forEach((b, i) => problems.push(...checkBlock(b, `blocks[${i}]`)));
  return problems;
}

function checkBlock(b: KnownBlock, at: string): string[] {
  const out: string[] = [];
  const over = (what: string, len: number, max: number) => {
    if (len > max) out.push(`${at}.${what}: ${len} > ${max}`);
  };
  switch (b.type) {
    case "header":
      over("text", textOf(b.text).length, LIMITS.headerText);
      // Slack rejects mrkdwn here; the type says so too, but a parsed payload can still carry it.
      if ((b.text as { type: string } | undefined)?.type !== "plain_text")
        out.push(`${at}.text: header text must be plain_text`);
      break;
    case "section": {
      const fields = b.fields ?? [];
      if (!b.text && fields.length === 0) out.push(`${at}: section needs text or fields`);
      over("text", textOf(b.text).length, LIMITS.sectionText);
      over("fields", fields.length, LIMITS.fieldsPerSection);
      fields.forEach((f, i) => over(`fields[${i}]`, textOf(f).length, LIMITS.fieldText));
      if (b.accessory) out.push(...checkElement(b.accessory, `${at}.accessory`));
      break;
    }
    case "context": {
      over("elements", b.elements.length, LIMITS.contextElements);
      b.elements.forEach((e, i) =>
        over(`elements[${i}]`, ("text" in e ? textOf(e) : "").length, LIMITS.sectionText),
      );
      break;
    }
    case "actions": {
      over("elements", b.elements.length, LIMITS.actionsElements);
      b.elements.forEach((e, i) => out.push(...checkElement(e, `${at}.elements[${i}]`)));
      break;
    }
    case "divider":
      break;
    default:
      out.push(`${at}: unexpected block type ${b.type}`);
  }
  return out;
}

function checkElement(e: { type: string }, at: string): string[] {
  const out: string[] = [];
  if (!isButton(e)) return out;
  if (textOf(e.text).length > LIMITS.buttonText)
    out.push(`${at}.text: ${textOf(e.text).length} > ${LIMITS.buttonText}`);
  if ((e.value ?? "").length > LIMITS.actionValue) out.push(`${at}.value: too long`);
  if ((e.action_id ?? "").length > LIMITS.actionId) out.push(`${at}.action_id: too long`);
  return out;
}

const isButton = (e: { type: string }): e is Button => e.type === "button";
