import type { OperationAction, OperationButtonValue } from "../../button-value.js";
import { actions, button, type Block } from "../block-kit.js";

const LABEL: Record<OperationAction, { text: string; style?: "primary" | "danger" }> = {
  approve: { text: "Approve", style: "primary" },
  reject: { text: "Reject", style: "danger" },
  retry: { text: "Retry step", style: "primary" },
  abort: { text: "Abort", style: "danger" },
  cancel: { text: "Cancel operation", style: "danger" },
};

/** Buttons carry {op, token} (button-value.ts); action_id is the verb itself, as the listeners expect. */
export function operationButtons(op: string, token: string, verbs: OperationAction[]): Block {
  const value = JSON.stringify({ op, token } satisfies OperationButtonValue);
  return actions(
    verbs.map((v) =>
      button({
        text: LABEL[v].text,
        actionId: v,
        value,
        ...(LABEL[v].style ? { style: LABEL[v].style } : {}),
      }),
    ),
  );
}
