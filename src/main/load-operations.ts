import type { OperationsApi } from "../operations/operations-api.js";

/**
 * Until the operations engine is wired in (src/operations/index.ts), rotation and upgrade commands
 * get an honest "not available" instead of a crash.
 */
export const unavailableOperations: OperationsApi = {
  request: async (kind) => ({
    ok: false,
    message: `${kind === "rotate" ? "Rotations" : "Upgrades"} are not available in this build yet.`,
  }),
  decide: async () => ({ ok: false, message: "Operations are not available in this build yet." }),
  cancel: async () => ({ ok: false, message: "Operations are not available in this build yet." }),
  status: async () => ({
    ok: true,
    message: "No operations: the operations engine is not part of this build yet.",
  }),
};
