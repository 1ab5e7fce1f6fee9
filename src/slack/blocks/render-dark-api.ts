import type { Button } from "@slack/types";
import { ROTATE_REQUEST_ACTION } from "../button-value.js";
import { actions, button, esc, section, type Block } from "./block-kit.js";

/** The dark state in one line, for the top of a message (and its notification text). */
export const darkApiLine = (darkApi: string): string =>
  `:rotating_light: *Kubernetes API unusable:* ${esc(darkApi)}`;

/** The same request as the rotate button: the preflight sees the dark API and plans the emergency rotation. */
export const emergencyRotateButton = (cluster: string): Button =>
  button({
    text: "Emergency rotation",
    actionId: ROTATE_REQUEST_ACTION,
    value: JSON.stringify({ cluster }),
    style: "danger",
  });

/** Blocks that name a dark API at the top of a report or alert, with the button; none when the API is fine. */
export function darkApiBlocks(cluster: string, darkApi: string | undefined): Block[] {
  if (!darkApi) return [];
  return [
    section(
      `${darkApiLine(darkApi)}. \`kubectl\` on the servers is refused until the certificates are rotated; an emergency rotation checks the nodes over SSH instead.`,
    ),
    actions([emergencyRotateButton(cluster)]),
  ];
}
