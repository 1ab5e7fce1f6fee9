import { DerUnsupported } from "../../src/certs/der-reader.js";
import { IncompleteScanError, NoCertificatesError } from "../../src/rke2/read-node-certs.js";
import { ConfigError } from "../../src/config/config-error.js";
import { ClusterLockLostError, FencedError } from "../../src/operations/engine/ports.js";
import { ConnectionLostError } from "../../src/operations/engine/remote-access.js";
import { StepAborted } from "../../src/operations/engine/step-runner.js";
import { ChannelServerError } from "../../src/rke2/channel-client.js";
import type { AppError } from "../../src/shared/app-error.js";
import { ChatError } from "../../src/slack/chat-error.js";
import { adviceFor, isRetryableCode } from "../../src/slack/describe-slack-error.js";
import { SlotTimeoutError } from "../../src/ssh/semaphore.js";
import { SSH_RETRYABLE, SshError, type SshErrorKind } from "../../src/ssh/ssh-error.js";
import { SudoError } from "../../src/ssh/sudo-diagnosis.js";

/** One instance per error code of the bot's own errors, with the retryable value it must carry. */
export interface CatalogueEntry {
  err: AppError;
  code: string;
  retryable: boolean;
}

const slack = (code: string) =>
  new ChatError(code, "chat.postMessage", adviceFor(code, "C0CERTS"), isRetryableCode(code), "C0CERTS");

/** Slack codes the bot treats differently (invite, auth, layout, transient); Slack has hundreds more. */
export const SLACK_CODES = [
  "not_in_channel",
  "channel_not_found",
  "is_archived",
  "invalid_auth",
  "missing_scope",
  "expired_url",
  "invalid_blocks",
  "rate_limited",
  "service_unavailable",
  "http_503",
  "http_429",
  "network_error",
  "some_new_slack_error",
];

export const CATALOGUE: CatalogueEntry[] = [
  ...(Object.keys(SSH_RETRYABLE) as SshErrorKind[]).map((kind) => ({
    err: new SshError(kind, "cp-1", `ssh ${kind} on cp-1`),
    code: kind,
    retryable: ["unreachable", "timeout", "disconnected"].includes(kind),
  })),
  ...(["password-required", "not-permitted", "missing"] as const).map((p) => ({
    err: new SudoError(p, `sudo ${p} on cp-1`),
    code: `sudo-${p}`,
    retryable: false,
  })),
  { err: new SlotTimeoutError(5000), code: "slot-timeout", retryable: true },
  { err: new ConfigError("inv.yaml", ["clusters: required"]), code: "CONFIG_INVALID", retryable: false },
  {
    err: new ChannelServerError("channel server answered HTTP 500"),
    code: "CHANNEL_SERVER",
    retryable: false,
  },
  {
    err: new ConnectionLostError("cp-1", "connection to cp-1 dropped"),
    code: "connection-lost",
    retryable: true,
  },
  { err: new FencedError("rot-1"), code: "fenced", retryable: false },
  { err: new ClusterLockLostError("rot-1", "prod"), code: "cluster-lock-lost", retryable: false },
  { err: new StepAborted("phase/step"), code: "step-aborted", retryable: true },
  { err: new NoCertificatesError("no RKE2 certificates on cp-1"), code: "no-certificates", retryable: false },
  { err: new IncompleteScanError("output of cp-1 passed the cap"), code: "incomplete", retryable: false },
  { err: new DerUnsupported("no serial number"), code: "der-unsupported", retryable: false },
  ...SLACK_CODES.map((code) => ({ err: slack(code), code, retryable: isRetryableCode(code) })),
];
