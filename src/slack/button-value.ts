import { z } from "zod";

/**
 * Buttons on operation messages. action_id is one of the verbs below (the interface promises
 * ids beginning with approve/reject/cancel); value carries the operation id and the gate token.
 */
export const OPERATION_ACTIONS = ["approve", "reject", "retry", "abort", "cancel"] as const;
export type OperationAction = (typeof OPERATION_ACTIONS)[number];

export const operationButtonValue = z.strictObject({
  op: z.string().regex(/^[a-z0-9-]{4,64}$/),
  token: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
});
export type OperationButtonValue = z.infer<typeof operationButtonValue>;

/** A clicked operation button's value, or undefined when it is not one of ours (never throws). */
export function decodeOperationButton(raw: string): OperationButtonValue | undefined {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const v = operationButtonValue.safeParse(json);
  return v.success ? v.data : undefined;
}

/**
 * Buttons that request an operation ("Rotate certificates", "Renew by restart"): action_id
 * `<kind>-request`, value `{cluster}`; the router sends any of them to ops.request(kind).
 */
export const REQUEST_ACTION_PATTERN = new RegExp(`^(?!(?:${OPERATION_ACTIONS.join("|")})-)([a-z]+)-request$`);
export const requestAction = (kind: string): string => `${kind}-request`;
export const ROTATE_REQUEST_ACTION = requestAction("rotate");
export const RENEW_REQUEST_ACTION = requestAction("renew");
export const rotateRequestValue = z.strictObject({ cluster: z.string().regex(/^[a-z0-9-]{1,63}$/) });
