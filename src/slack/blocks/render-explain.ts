import type { ExplainAnswer } from "../../explain/explain-use-case.js";
import { ROTATE_REQUEST_ACTION } from "../button-value.js";
import type { ChatMessage } from "../../shared/chat-port.js";
import {
  actions,
  button,
  context,
  esc,
  fitBlocks,
  header,
  packLines,
  section,
  type Block,
} from "./block-kit.js";

const day = (iso: string) => iso.slice(0, 10);

/** The answer to `/rke2 explain`: cause and fix in the guide's words, live facts, the fix button. */
export function renderExplain(answer: ExplainAnswer): ChatMessage {
  if (!answer.recognised) {
    const text =
      "I do not recognise that error. `/rke2 help` lists what I can do; `/rke2 certs <cluster>` checks certificates now.";
    return { text, blocks: [section(`:grey_question: ${text}`)] };
  }
  const { error, live } = answer;
  const head: Block[] = [
    header(`Error explained: ${error.title}`),
    section(`*Cause*\n${esc(error.cause)}`),
    section(`*Fix*\n${error.fix}`),
  ];
  const body: Block[] = [];
  if (live) {
    const where = live.node ? `${live.node} (${live.cluster})` : live.cluster;
    const lines = live.problems.map(
      (c) =>
        `• *${esc(c.node)}* \`${esc(c.source.path)}\` — ${c.status.replace(/-/g, " ")}${c.facts ? ` (not after ${day(c.facts.notAfter)})` : c.reason ? `: ${esc(c.reason)}` : ""}`,
    );
    const facts = lines.length
      ? lines
      : [`No expired or unreadable certificates on ${esc(where)} right now.`];
    body.push(...packLines([`*Live on ${esc(where)}*`, ...facts]).map(section));
    for (const b of live.backups) {
      const list = b.backups
        .slice(0, 5)
        .map((x) => `\`${esc(x.path)}\` (${day(x.takenAt)})`)
        .join(", ");
      body.push(section(`*Backups on ${esc(b.node)}*: ${list || "no tls-<timestamp> backup directories"}`));
    }
    for (const u of live.unreachable)
      body.push(context(`:warning: ${esc(u.node)} could not be scanned: ${esc(u.message)}`));
  }
  const tail: Block[] = [];
  if (error.rotateFixes && live)
    tail.push(
      actions([
        button({
          text: `Rotate certificates on ${live.cluster}`,
          actionId: ROTATE_REQUEST_ACTION,
          value: JSON.stringify({ cluster: live.cluster }),
          style: "primary",
        }),
      ]),
    );
  else if (error.rotateFixes)
    tail.push(
      context(
        "Name the cluster or node in the text (e.g. `/rke2 explain prod …`) for live facts and a rotate button.",
      ),
    );
  return {
    text: `${error.title}: ${error.cause}`,
    blocks: fitBlocks(
      head,
      body,
      tail,
      (n) => `…and ${n} more; \`/rke2 certs ${live?.cluster ?? "<cluster>"}\` lists them all.`,
    ),
  };
}
