import type {
  DecisionAction,
  OperationKind,
  OperationsApi,
  Outcome,
} from "../../../src/operations/operations-api.js";
import type { CommandRequester } from "../../../src/operations/requester.js";

export type OpsCall =
  | { fn: "request"; kind: OperationKind; cluster: string; args: string[]; by: CommandRequester }
  | { fn: "decide"; operationId: string; action: DecisionAction; token: string; by: CommandRequester }
  | { fn: "cancel"; operationId: string; by: CommandRequester }
  | { fn: "status"; cluster?: string };

/** An OperationsApi that records calls and answers what the test says (a real object, no mocking). */
export function recordingOps(
  answer: (call: OpsCall) => Outcome = () => ({ ok: true, message: "done" }),
): OperationsApi & { calls: OpsCall[] } {
  const calls: OpsCall[] = [];
  const run = async (c: OpsCall) => {
    calls.push(c);
    return answer(c);
  };
  return {
    calls,
    request: (kind, cluster, args, by) => run({ fn: "request", kind, cluster, args, by }),
    decide: (operationId, action, token, by) => run({ fn: "decide", operationId, action, token, by }),
    cancel: (operationId, by) => run({ fn: "cancel", operationId, by }),
    status: (cluster) => run({ fn: "status", ...(cluster ? { cluster } : {}) }),
  };
}
