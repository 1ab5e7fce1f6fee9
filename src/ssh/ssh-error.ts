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

/** A node could not be reached or talked to. `retryable` says whether trying again may help. */
export class SshError extends Error {
  constructor(
    readonly kind: SshErrorKind,
    readonly node: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "SshError";
  }
}
