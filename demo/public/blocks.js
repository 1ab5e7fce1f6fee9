// Block Kit → HTML for the channel view: header, section (text, fields, button accessory), context,
// divider, actions (buttons with primary/danger styles), image; anything else shows as a note.
import { escapeHtml, mrkdwn, plainText, textObject } from "./mrkdwn.js";

function button(el) {
  const style = el.style === "primary" || el.style === "danger" ? ` bk-${el.style}` : "";
  return (
    `<button type="button" class="bk-btn${style}" data-action-id="${escapeHtml(el.action_id ?? "")}"` +
    ` data-value="${escapeHtml(el.value ?? "")}">${plainText(el.text)}</button>`
  );
}

function element(el, ctx) {
  switch (el?.type) {
    case "button":
      return button(el);
    case "image":
      return `<img class="bk-ctx-img" src="${escapeHtml(el.image_url ?? "")}" alt="${escapeHtml(el.alt_text ?? "")}">`;
    case "mrkdwn":
    case "plain_text":
      return `<span>${textObject(el, ctx)}</span>`;
    default:
      return `<span class="bk-unknown">[${escapeHtml(el?.type ?? "element")}]</span>`;
  }
}

const RENDER = {
  header: (b) => `<div class="bk-header">${plainText(b.text)}</div>`,
  divider: () => `<hr class="bk-divider">`,
  section: (b, ctx) => {
    const text = b.text ? `<div class="bk-text">${textObject(b.text, ctx)}</div>` : "";
    const fields = b.fields?.length
      ? `<div class="bk-fields">${b.fields.map((f) => `<div class="bk-field">${textObject(f, ctx)}</div>`).join("")}</div>`
      : "";
    const accessory = b.accessory ? `<div class="bk-accessory">${element(b.accessory, ctx)}</div>` : "";
    return `<div class="bk-section"><div class="bk-section-main">${text}${fields}</div>${accessory}</div>`;
  },
  context: (b, ctx) =>
    `<div class="bk-context">${(b.elements ?? []).map((e) => element(e, ctx)).join("")}</div>`,
  actions: (b, ctx) =>
    `<div class="bk-actions">${(b.elements ?? []).map((e) => element(e, ctx)).join("")}</div>`,
  image: (b) =>
    `<img class="bk-image" src="${escapeHtml(b.image_url ?? "")}" alt="${escapeHtml(b.alt_text ?? "")}">`,
};

/** HTML for a message body: its blocks when it has any, else its text as mrkdwn (as Slack does). */
export function renderMessageBody(message, ctx = {}) {
  const blocks = Array.isArray(message.blocks) ? message.blocks : [];
  if (blocks.length === 0) return `<div class="bk-text">${mrkdwn(message.text ?? "", ctx)}</div>`;
  return blocks
    .map((b) => {
      const render = RENDER[b?.type];
      return render
        ? render(b, ctx)
        : `<div class="bk-unknown">[unsupported block: ${escapeHtml(b?.type)}]</div>`;
    })
    .join("");
}

/** Uploaded files (snippets): title, and the content behind a disclosure. */
export function renderFiles(files) {
  return (files ?? [])
    .map(
      (f) =>
        `<details class="file"><summary>📄 ${escapeHtml(f.title ?? f.filename ?? f.id)}` +
        `${f.filename ? ` <span class="file-name">${escapeHtml(f.filename)}</span>` : ""}</summary>` +
        `<pre>${escapeHtml(f.content ?? "")}</pre></details>`,
    )
    .join("");
}
