import type { ThreadNote } from "../../../operations/engine/ports.js";
import type { FailureInfo } from "../../../operations/engine/records.js";
import type { ChatMessage } from "../../../shared/chat-port.js";
import { LIMITS } from "../limits.js";
import { redactUrls } from "../../../shared/redact-url.js";
import { titleNoun } from "../../../shared/title-noun.js";
import { actions, button, esc, fitBlocks, header, packLines, section, type Block } from "../block-kit.js";
import { codeBlock, escapeMrkdwn } from "../mrkdwn.js";
import { operationButtons } from "./operation-buttons.js";

/** Failure texts embed command lines and output: credentials in URLs redacted, then escaped. */
const untrusted = (s: string): string => escapeMrkdwn(redactUrls(s));

/**
 * A monospace table, split into code-block sections that each stay under the section limit.
 * Cells come from nodes (versions, names): padded raw so columns line up, then escaped per line.
 */
export function codeTableSections(headers: string[], rows: string[][]): Block[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const lines = [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].map((l) =>
    escapeMrkdwn(l.replace(/`/g, "'")),
  );
  return packLines(lines, LIMITS.sectionText - 8).map((chunk) => section("```" + chunk + "```"));
}

/** authorize(): Reject, Abort and Cancel only stop work, so the requester may do them too. */
export const ABORT_WHO = "approvers or the requester";

function failureBlocks(
  op: ThreadNote & { kind: "failure" },
  title?: string,
): { body: Block[]; tail: Block[] } {
  const continues = title ? ` and continues the ${esc(titleNoun(title))}` : "";
  const f = op.op.failure as FailureInfo;
  const lines = [
    `❌ *${esc(f.step)}* failed on *${esc(f.node)}* (phase ${f.phase + 1}): ${untrusted(f.message)}`,
    f.command
      ? `Command: \`${untrusted(f.command.replace(/`/g, "'"))}\`${f.exitCode !== undefined ? `, exit code ${f.exitCode ?? "none (killed or timed out)"}` : ""}`
      : "",
    f.backupDir
      ? `Certificates before the rotation are in \`${esc(f.backupDir)}\` on ${esc(f.node)}: restore from there if needed.`
      : "",
    ...f.recovery.map((r) => `• ${untrusted(r)}`),
    `No other node was touched after this failure. *Retry step* re-checks the node before acting${continues} (approvers only); *Abort* ends the operation (${ABORT_WHO}).`,
  ].filter(Boolean);
  const blocks = packLines(lines).map(section);
  if (f.stderr) blocks.splice(1, 0, section(codeBlock(redactUrls(f.stderr))));
  const tail =
    op.op.gate?.kind === "failure" ? [operationButtons(op.op.id, op.op.gate.token, ["retry", "abort"])] : [];
  return { body: blocks, tail };
}

/** Thread replies of an operation: decisions, phase reports, failures, the final before/after table. */
/** `title`: the operation definition's, so halt texts name what Retry continues (never a kind switch). */
export function renderThreadNote(note: ThreadNote, title?: string): ChatMessage {
  switch (note.kind) {
    case "text":
      return { text: note.text, blocks: [section(note.text)] };
    case "progress": {
      // Lines are mrkdwn the step escaped; packed so no section passes its limit.
      const body = packLines([`⏳ *${esc(note.phaseTitle)}*: live progress`, ...note.lines]).map(section);
      return {
        text: `${note.phaseTitle}: progress`,
        blocks: fitBlocks([], body, [], (n) => `…${n} more sections omitted.`),
      };
    }
    case "phase-report": {
      const body = packLines([`*${esc(note.phaseTitle)} done*`, ...note.lines]).map(section);
      return {
        text: `${note.phaseTitle} done`,
        blocks: fitBlocks([], body, [], (n) => `…${n} more sections omitted.`),
      };
    }
    case "failure": {
      const { body, tail } = failureBlocks(note, title);
      return {
        text: `${note.op.id}: ${note.op.failure?.step} failed on ${note.op.failure?.node}`,
        blocks: fitBlocks([], body, tail, (n) => `…${n} more omitted.`),
      };
    }
    case "completion": {
      const head = [header(`✅ ${note.op.id} complete`)];
      const body = [
        ...codeTableSections(note.table.headers, note.table.rows),
        ...packLines(note.notes).map(section),
      ];
      // Completion buttons (Refresh kubeconfig copies) carry their own bound value; see their handlers.
      const tail = note.actions?.length
        ? [
            actions(
              note.actions.map((a) =>
                button({
                  actionId: a.actionId,
                  text: a.text,
                  value: JSON.stringify(a.bind),
                  ...(a.style ? { style: a.style } : {}),
                }),
              ),
            ),
          ]
        : [];
      return {
        text: `${note.op.id} complete`,
        blocks: fitBlocks(head, body, tail, (n) => `…${n} more sections omitted.`),
      };
    }
  }
}
