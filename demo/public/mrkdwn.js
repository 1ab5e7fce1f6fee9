// Slack's mrkdwn → HTML: *bold*, _italic_, ~strike~, `code`, ```blocks```, > quotes, <links|labels>,
// <@U…> mentions, <#C…|channel>, <!here>, :emoji:. Slack escapes &, < and > in the text it sends, so
// entities are decoded first and everything is escaped again on the way out.
import { emojify } from "./emoji.js";

const SLOT = "\u0000";

export function escapeHtml(s) {
  return String(s)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

export function decodeEntities(s) {
  return String(s).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

const SAFE_URL = /^(https?:|mailto:)/i;

/** `<…>`: a mention, a channel, a special mention or a link. */
function angle(inner, ctx) {
  const [target, label] = splitOnce(inner, "|");
  if (target.startsWith("@")) {
    const id = target.slice(1);
    return `<span class="mention" data-user="${escapeHtml(id)}">@${escapeHtml(label ?? ctx.userName?.(id) ?? id)}</span>`;
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    return `<span class="mention">#${escapeHtml(label ?? ctx.channelName?.(id) ?? id)}</span>`;
  }
  if (target.startsWith("!")) {
    const special = target.slice(1).split("^")[0];
    return `<span class="mention">${escapeHtml(label ?? `@${special}`)}</span>`;
  }
  const url = decodeEntities(target);
  const text = escapeHtml(decodeEntities(label ?? target));
  if (!SAFE_URL.test(url)) return text;
  return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${text}</a>`;
}

function splitOnce(s, sep) {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** A pair of markers around a run of text that starts and ends with a non-space, not inside a word. */
function pair(mark, tag) {
  const m = `\\${mark}`;
  return [
    new RegExp(`(^|[^\\w${m}])${m}(?=\\S)([^${m}\\n]*?\\S)${m}(?![\\w${m}])`, "g"),
    `$1<${tag}>$2</${tag}>`,
  ];
}
const STYLES = [pair("*", "b"), pair("_", "i"), pair("~", "s")];

/**
 * HTML for one mrkdwn text. `ctx.userName(id)` names mentioned users. Code and links are set aside
 * first (numbered slots), so formatting never reaches inside them but may wrap them: *`cp-1`*.
 */
export function mrkdwn(source, ctx = {}) {
  const slots = [];
  const hold = (html) => `${SLOT}${slots.push(html) - 1}${SLOT}`;
  let s = String(source ?? "");
  s = s.replace(/```([\s\S]*?)```/g, (_, code) =>
    hold(`<pre class="mk-pre">${escapeHtml(decodeEntities(code.replace(/^\n/, "")))}</pre>`),
  );
  s = s.replace(/`([^`\n]+)`/g, (_, code) =>
    hold(`<code class="mk-code">${escapeHtml(decodeEntities(code))}</code>`),
  );
  s = s.replace(/<([^<>\s][^<>]*)>/g, (_, inner) => hold(angle(inner, ctx)));
  s = escapeHtml(decodeEntities(s));
  for (const [re, html] of STYLES) s = s.replace(re, html);
  s = emojify(s);
  s = s
    .split("\n")
    .map((line) => (line.startsWith("&gt; ") ? `<blockquote>${line.slice(5)}</blockquote>` : line))
    .join("\n")
    .replace(/<\/blockquote>\n/g, "</blockquote>")
    .replace(/\n/g, "<br>");
  return s.replace(new RegExp(`${SLOT}(\\d+)${SLOT}`, "g"), (_, i) => slots[Number(i)]);
}

/** plain_text objects: escaped, with :emoji: when `emoji` is not false. */
export function plainText(obj) {
  const text = escapeHtml(obj?.text ?? "");
  return obj?.emoji === false ? text : emojify(text);
}

/** A text object of either type. */
export function textObject(obj, ctx = {}) {
  if (!obj) return "";
  return obj.type === "mrkdwn" ? mrkdwn(obj.text, ctx) : plainText(obj);
}
