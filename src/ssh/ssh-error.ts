import { AppError } from "../shared/app-error.js";

export type SshErrorKind =
  | "host-key-mismatch"
  | "auth-failed"
  | "unreachable"
  | "timeout"
  | "key-unreadable"
  | "disconnected"
  /** Every connection slot of this process stayed busy past the wait limit: nothing was started. */
  | "busy"
  /** The caller's AbortSignal had fired: nothing was started. */
  | "aborted";

/**
 * Whether reconnecting may help, per kind. A dropped connection is reconnectable (the engine
 * re-checks the node after reconnecting); a wrong host key, credentials or key file need a person;
 * "busy" fails the step with its reason instead of waiting on; "aborted" means this worker stopped.
 */
export const SSH_RETRYABLE: Readonly<Record<SshErrorKind, boolean>> = {
  "host-key-mismatch": false,
  "auth-failed": false,
  unreachable: true,
  timeout: true,
  "key-unreadable": false,
  disconnected: true,
  busy: false,
  aborted: false,
};

/** A node could not be reached or talked to. `retryable` (from the kind) says whether trying again may help. */
export class SshError extends AppError<SshErrorKind> {
  get code(): SshErrorKind {
    return this.kind;
  }

  constructor(
    readonly kind: SshErrorKind,
    readonly node: string,
    message: string,
    cause?: unknown,
  ) {
    super(message, { retryable: SSH_RETRYABLE[kind], cause });
  }
}

/** The caller's signal had fired before the command (or the slot wait) began: nothing ran. */
export const abortedBeforeStart = (node: string): SshError =>
  new SshError("aborted", node, `not started on ${node}: aborted`);
