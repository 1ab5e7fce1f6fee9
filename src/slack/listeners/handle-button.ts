import {
  OPERATION_ACTIONS,
  operationButtonValue,
  REQUEST_ACTION_PATTERN,
  rotateRequestValue,
  type OperationAction,
} from "../button-value.js";
import type { Outcome } from "../../operations/operations-api.js";
import type { CommandRequester } from "../../operations/requester.js";
import type { ChatMessage } from "../../shared/chat-port.js";
import type { ListenerDeps } from "./command-deps.js";
import { failureMessage, outcomeMessage } from "./reply-outcome.js";

/** A button click, as the listener sees it (after Bolt verified the request). */
export interface ButtonClick {
  actionId: string;
  value: string;
  userId: string;
  userName?: string;
  channelId?: string;
  responseUrl?: string;
}

/** approve-…, reject-…, retry, abort, cancel: the verb is the action_id or its prefix. */
export const OPERATION_ACTION_PATTERN = new RegExp(`^(${OPERATION_ACTIONS.join("|")})(?:$|[-_:.])`);

/**
 * Operation buttons → ops.decide / ops.cancel; "Rotate certificates", "Renew by restart" → ops.request.
 * The engine updates its own messages; refusals (and rotation requests) go to the clicker only.
 */
export async function handleButton(deps: ListenerDeps, click: ButtonClick): Promise<void> {
  const by: CommandRequester = {
    userId: click.userId,
    ...(click.userName ? { userName: click.userName } : {}),
    ...(click.channelId ? { channelId: click.channelId } : {}),
  };
  const log = deps.logger.child({ action: click.actionId, user: click.userId });
  let outcome: Outcome;
  try {
    outcome = await dispatch(deps, click, by);
  } catch (err) {
    log.error({ err }, "button handler failed");
    return tell(deps, click, failureMessage("handling that click", err));
  }
  log.info({ ok: outcome.ok, operation: outcome.operationId }, "button handled");
  if (!outcome.ok || REQUEST_ACTION_PATTERN.test(click.actionId))
    await tell(deps, click, outcomeMessage(outcome));
}

async function dispatch(deps: ListenerDeps, click: ButtonClick, by: CommandRequester): Promise<Outcome> {
  const buttons = deps.extensions?.buttons ?? {};
  if (Object.hasOwn(buttons, click.actionId)) return buttons[click.actionId]!(click.value, by);
  const json = safeJson(click.value);
  const kind = REQUEST_ACTION_PATTERN.exec(click.actionId)?.[1];
  if (kind) {
    const v = rotateRequestValue.safeParse(json);
    if (!v.success)
      return { ok: false, message: `This button is malformed; use \`/rke2 ${kind} <cluster>\`.` };
    return deps.ops.request(kind, v.data.cluster, [], by);
  }
  const verb = OPERATION_ACTION_PATTERN.exec(click.actionId)?.[1] as OperationAction | undefined;
  const v = operationButtonValue.safeParse(json);
  if (!verb || !v.success)
    return { ok: false, message: "This button is malformed or out of date; see `/rke2 status`." };
  if (verb === "cancel") return deps.ops.cancel(v.data.op, by);
  return deps.ops.decide(v.data.op, verb, v.data.token, by);
}

/** An ephemeral answer to the clicker: through the interaction's response_url, else chat.postEphemeral. */
async function tell(deps: ListenerDeps, click: ButtonClick, msg: ChatMessage): Promise<void> {
  try {
    if (click.responseUrl)
      await deps.chat.respond(click.responseUrl, { ...msg, ephemeral: true, replaceOriginal: false });
    else if (click.channelId) await deps.chat.postEphemeral(click.channelId, click.userId, msg);
  } catch (err) {
    deps.logger.warn({ err }, "could not tell the clicker");
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
