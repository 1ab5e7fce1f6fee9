import type { OperationsApi } from "../operations-api.js";
import { cancelOperation, decideOperation } from "./decide-operation.js";
import { operationStatus } from "./operation-status.js";
import { requestOperation } from "./request-operation.js";
import type { ServiceDeps } from "./service-deps.js";

/** The OperationsApi the Slack listeners call. Safe on any number of web replicas: all state is in the ledger. */
export function createOperationsService(d: ServiceDeps): OperationsApi {
  return {
    request: (kind, cluster, args, by) => requestOperation(d, kind, cluster, args, by),
    decide: (id, action, token, by) => decideOperation(d, id, action, token, by),
    cancel: (id, by) => cancelOperation(d, id, by),
    status: (cluster) => operationStatus(d, cluster),
  };
}
