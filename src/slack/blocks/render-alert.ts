import type { CertAlertInput, UnreachableAlertInput } from "../../scan/scan-messages.js";
import type { Button } from "@slack/types";
import { RENEW_REQUEST_ACTION, ROTATE_REQUEST_ACTION } from "../button-value.js";
import type { CertRecord } from "../../certs/cert-types.js";
import type { ChatMessage } from "../../shared/chat-port.js";
import type { CertCrossing } from "../../scan/plan-alerts.js";
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
import { certLine, plural, stamp } from "./format-cert.js";
import { darkApiBlocks } from "./render-dark-api.js";

export const mentions = (approvers: readonly string[]): string => approvers.map((u) => `<@${u}>`).join(" ");

export const rotateButton = (cluster: string): Button =>
  button({
    text: "Rotate certificates",
    actionId: ROTATE_REQUEST_ACTION,
    value: JSON.stringify({ cluster }),
    style: "primary",
  });

/** `/rke2 renew`: a rolling restart renews the leaves inside RKE2's window (keys kept). */
export const renewButton = (cluster: string): Button =>
  button({ text: "Renew by restart", actionId: RENEW_REQUEST_ACTION, value: JSON.stringify({ cluster }) });

const RENEWED_BY_RESTART = new Set<CertRecord["status"]>(["renewal-window", "critical", "expired"]);
/** A leaf a restart renews (CAs never are). */
export const renewableByRestart = (c: CertRecord): boolean =>
  !c.facts?.isCA && RENEWED_BY_RESTART.has(c.status);

const thresholdWords = (c: CertCrossing): string =>
  c.threshold === "expired" ? "has *expired*" : `is below the *${c.threshold}-day* alert threshold`;

/** One node's certificates that crossed a threshold: its own top-level message, approvers mentioned. */
export function renderCertAlert(a: CertAlertInput): ChatMessage {
  const expired = a.crossings.filter((c) => c.threshold === "expired").length;
  const what = expired > 0 ? `${expired} expired` : `${plural(a.crossings.length, "certificate")} expiring`;
  const title = `Certificate alert — ${a.cluster} — ${a.node}: ${what}`;
  const who = mentions(a.approvers);
  const lines = a.crossings.map(
    (c) => `${certLine(c.cert, { withNode: false })}\n      ${thresholdWords(c)} — ↳ ${esc(c.cert.advice)}`,
  );
  const head: Block[] = [
    header(title),
    ...darkApiBlocks(a.cluster, a.darkApi),
    section(`${who ? `${who} ` : ""}\`${a.node}\` (${a.role}) in *${a.cluster}* needs attention.`),
  ];
  const body = packLines(lines).map(section);
  const tail: Block[] = [
    // A leaf rotation does not renew a CA: CA-only alerts carry no rotate button. With the API dark,
    // the banner above already carries the one button that helps (emergency rotation).
    ...(!a.darkApi && a.crossings.some((c) => !c.cert.facts?.isCA)
      ? [
          actions([
            rotateButton(a.cluster),
            ...(a.crossings.some((c) => renewableByRestart(c.cert)) ? [renewButton(a.cluster)] : []),
          ]),
        ]
      : []),
    context(
      `Scanned ${stamp(a.scannedAt)} · this alert is sent once per threshold · \`/rke2 certs ${a.cluster} ${a.node}\` for the node's details`,
    ),
  ];
  return {
    text: `${who ? `${who} ` : ""}:rotating_light: ${title}`,
    blocks: fitBlocks(head, body, tail, (n) => `…${n} more sections left out.`),
  };
}

/** A node that could not be scanned twice in a row. */
export function renderUnreachableAlert(a: UnreachableAlertInput): ChatMessage {
  const title = `Node unreachable — ${a.cluster} — ${a.node}`;
  const who = mentions(a.approvers);
  const blocks: Block[] = [
    header(title),
    section(
      `${who ? `${who} ` : ""}\`${a.node}\` (${a.role}) could not be scanned ${a.failures} times in a row, so its certificates are unknown.\n` +
        `*${esc(a.error.kind)}*: ${esc(a.error.message)}\n` +
        `↳ check that the node is up and that SSH from the bot works: \`npx rke2-chatops check-config\`.`,
    ),
    context(
      `Last attempt ${stamp(a.scannedAt)} · a new alert is sent only after the node has been reachable again`,
    ),
  ];
  return { text: `${who ? `${who} ` : ""}:warning: ${title}`, blocks };
}
