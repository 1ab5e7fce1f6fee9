/* global document, window, EventSource */
// The channel view: renders the local Slack's channel (messages, threads, in-place updates, ephemeral
// answers for the acting user), sends typed commands and button clicks to the bot as signed requests.
import { renderFiles, renderMessageBody } from "./blocks.js";
import { escapeHtml } from "./mrkdwn.js";

const $ = (sel) => document.querySelector(sel);
const state = {
  config: undefined,
  viewer: undefined,
  view: undefined,
  thread: undefined, // ts of the open thread
  seen: new Map(), // ts -> editedAt, to flash messages updated in place
  dismissed: new Set(JSON.parse(sessionStorage.getItem("dismissed") ?? "[]")),
  history: [],
  historyAt: 0,
};
const COLORS = { U0ALICE: "#7c3aed", U0BOB: "#059669", U0CAROL: "#d97706" };

function userName(id) {
  const c = state.config;
  if (id === c.bot.id) return c.bot.name;
  if (id === c.slackbot) return "Slackbot";
  return c.users.find((u) => u.id === id)?.name ?? id;
}
const channelName = (id) => (id === state.config.channel ? state.config.channelName : undefined);
const ctx = { userName, channelName };

function avatar(id) {
  const c = state.config;
  if (id === c.bot.id) return `<div class="avatar bot" aria-hidden="true">R2</div>`;
  if (id === c.slackbot) return `<div class="avatar slackbot" aria-hidden="true">S</div>`;
  return `<div class="avatar" style="background:${COLORS[id] ?? "#64748b"}" aria-hidden="true">${escapeHtml(userName(id)[0])}</div>`;
}

function clock(ts) {
  return new Date(Number(ts) * 1000).toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  });
}

function messageHtml(m, { inThread = false } = {}) {
  const c = state.config;
  const bot = m.user === c.bot.id;
  const updated = m.editedAt && state.seen.has(m.ts) && state.seen.get(m.ts) !== m.editedAt;
  state.seen.set(m.ts, m.editedAt);
  const classes = ["msg", m.ephemeralFor ? "ephemeral" : "", updated ? "flash" : ""]
    .filter(Boolean)
    .join(" ");
  const replies =
    !inThread && m.replies?.length
      ? `<button type="button" class="thread-link" data-thread="${m.ts}">💬 ${m.replies.length} ${m.replies.length === 1 ? "reply" : "replies"}` +
        `<span class="thread-last">last reply ${clock(m.replies.at(-1).ts)}</span></button>`
      : "";
  return `<div class="${classes}" data-ts="${m.ts}" data-user="${escapeHtml(m.user)}">
    ${avatar(m.user)}
    <div class="msg-main">
      <div class="msg-meta"><span class="author">${escapeHtml(userName(m.user))}</span>${bot ? `<span class="badge">APP</span>` : ""}
        <time>${clock(m.ts)}</time>${m.editedAt ? `<span class="edited" title="updated in place at ${clock(m.editedAt)}">(edited)</span>` : ""}</div>
      ${m.ephemeralFor ? `<div class="only-you">👁 Only visible to you <button type="button" class="dismiss" data-dismiss="${m.ts}">Dismiss</button></div>` : ""}
      <div class="msg-body">${renderMessageBody(m, ctx)}${renderFiles(m.files)}</div>
      ${replies}
    </div>
  </div>`;
}

function keepScroll(el, render) {
  const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  const open = new Set(
    [...el.querySelectorAll("details[open]")].map((d) => d.closest("[data-ts]")?.dataset.ts),
  );
  render();
  for (const d of el.querySelectorAll("details"))
    if (open.has(d.closest("[data-ts]")?.dataset.ts)) d.open = true;
  if (atBottom) el.scrollTop = el.scrollHeight;
}

function renderMessages() {
  const list = $("#messages");
  const messages = state.view.messages.filter((m) => !state.dismissed.has(m.ts));
  keepScroll(list, () => {
    list.innerHTML = messages.length
      ? messages.map((m) => messageHtml(m)).join("")
      : `<div class="empty">No messages yet: the bot's daily report appears here in a few seconds.</div>`;
  });
  renderThread();
}

function renderThread() {
  const pane = $("#thread");
  const parent = state.thread && state.view.messages.find((m) => m.ts === state.thread);
  pane.hidden = !parent;
  document.body.classList.toggle("with-thread", !!parent);
  if (!parent) return;
  const body = $("#thread-messages");
  keepScroll(body, () => {
    body.innerHTML =
      messageHtml(parent, { inThread: true }) +
      `<div class="thread-divider">${parent.replies.length} ${parent.replies.length === 1 ? "reply" : "replies"}</div>` +
      parent.replies.map((m) => messageHtml(m, { inThread: true })).join("");
  });
}

function renderUsers() {
  $("#users").innerHTML = state.config.users
    .map(
      (
        u,
      ) => `<button type="button" class="user-pick${u.id === state.viewer ? " active" : ""}" data-user-pick="${u.id}" aria-pressed="${u.id === state.viewer}">
        ${avatar(u.id)}<span class="user-name">${escapeHtml(u.name)}</span><span class="role ${u.role}">${u.role}</span></button>`,
    )
    .join("");
  const me = state.config.users.find((u) => u.id === state.viewer);
  $("#composer").placeholder = `Message #${state.config.channelName} as ${me.name} — try /rke2 certs`;
  $("#composer-avatar").innerHTML = avatar(state.viewer);
}

async function refresh() {
  const url = `/_fake/channels/${state.config.channel}?viewer=${encodeURIComponent(state.viewer)}`;
  const res = await fetch(url);
  if (!res.ok) return;
  state.view = await res.json();
  renderMessages();
}

let refreshTimer;
function scheduleRefresh(ms = 60) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => refresh().catch(() => undefined), ms);
}

async function refreshNodes() {
  const nodes = await fetch("/_demo/nodes").then(
    (r) => (r.ok ? r.json() : []),
    () => [],
  );
  $("#nodes").innerHTML = nodes
    .map(
      (n) =>
        `<li class="node" data-node="${escapeHtml(n.name)}"><span class="dot ${escapeHtml(n.service)}" title="rke2-${n.role === "server" ? "server" : "agent"} ${escapeHtml(n.service)}"></span>` +
        `<span class="node-name">${escapeHtml(n.name)}</span><span class="node-role">${escapeHtml(n.role)}</span><span class="node-state">${escapeHtml(n.service)}</span></li>`,
    )
    .join("");
}

async function post(path, body) {
  const res = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return res.ok ? res.json() : { status: res.status };
}

function setViewer(id) {
  state.viewer = id;
  localStorage.setItem("viewer", id);
  renderUsers();
  scheduleRefresh(0);
}

async function send(text) {
  if (!text.trim()) return;
  state.history.push(text);
  state.historyAt = state.history.length;
  await post("/_demo/type", { user: state.viewer, text });
}

function wire() {
  $("#users").addEventListener("click", (e) => {
    const b = e.target.closest("[data-user-pick]");
    if (b) setViewer(b.dataset.userPick);
  });
  $("#composer-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("#composer");
    const text = input.value;
    input.value = "";
    void send(text);
  });
  $("#composer").addEventListener("keydown", (e) => {
    if (e.key !== "ArrowUp" && e.key !== "ArrowDown") return;
    const h = state.history;
    if (!h.length) return;
    state.historyAt = Math.max(0, Math.min(h.length, state.historyAt + (e.key === "ArrowUp" ? -1 : 1)));
    e.target.value = h[state.historyAt] ?? "";
    e.preventDefault();
  });
  $("#chips").addEventListener("click", (e) => {
    const chip = e.target.closest("[data-command]");
    if (chip) void send(chip.dataset.command);
  });
  $("#thread-close").addEventListener("click", () => {
    state.thread = undefined;
    renderThread();
  });
  document.addEventListener("click", (e) => {
    const thread = e.target.closest("[data-thread]");
    if (thread) {
      state.thread = thread.dataset.thread;
      renderThread();
      $("#thread-messages").scrollTop = $("#thread-messages").scrollHeight;
      return;
    }
    const dismiss = e.target.closest("[data-dismiss]");
    if (dismiss) {
      state.dismissed.add(dismiss.dataset.dismiss);
      sessionStorage.setItem("dismissed", JSON.stringify([...state.dismissed]));
      renderMessages();
      return;
    }
    const btn = e.target.closest("button[data-action-id]");
    if (btn && !btn.disabled) {
      btn.disabled = true;
      btn.classList.add("pending");
      const messageTs = btn.closest("[data-ts]")?.dataset.ts;
      void post("/_demo/click", {
        user: state.viewer,
        actionId: btn.dataset.actionId,
        value: btn.dataset.value,
        messageTs,
      }).finally(() => {
        btn.disabled = false;
        btn.classList.remove("pending");
      });
    }
  });
}

async function start() {
  state.config = await fetch("/_demo/config").then((r) => r.json());
  const asked = new URLSearchParams(window.location.search).get("as");
  const saved = asked ?? localStorage.getItem("viewer");
  state.viewer = state.config.users.some((u) => u.id === saved) ? saved : state.config.users[0].id;
  document.title = `#${state.config.channelName} · rke2-chatops demo`;
  for (const el of document.querySelectorAll("[data-channel-name]"))
    el.textContent = state.config.channelName;
  for (const el of document.querySelectorAll("[data-cluster]")) el.textContent = state.config.cluster;
  renderUsers();
  wire();
  await refresh();
  await refreshNodes();
  const events = new EventSource("/_demo/events");
  events.onmessage = () => scheduleRefresh();
  window.setInterval(() => refreshNodes(), 2000);
  window.setInterval(() => scheduleRefresh(0), 10_000); // in case an event was missed
}

start().catch((err) => {
  $("#messages").innerHTML =
    `<div class="empty">Could not load the channel: ${escapeHtml(err.message)}. Is \`npm run demo\` still running?</div>`;
});
