// Pure text rules of Slack's mrkdwn, shared by the renderers and the operation reports.

/**
 * Slack treats `&`, `<` and `>` as control characters in mrkdwn (`<!channel>`, `<@U…>`, `<url|label>`).
 * Every string that did not come from this code (node output, stderr, file paths and certificate
 * fields read from nodes, channel-server data, user text) goes through here before it is embedded
 * in mrkdwn; our own mentions and links are added around the escaped parts.
 */
export const escapeMrkdwn = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Untrusted text as inline code: escaped, backticks inside replaced so the span cannot end early. */
export const inlineCode = (s: string): string => `\`${escapeMrkdwn(s.replace(/`/g, "'"))}\``;
