import { UnrecoverableError } from "bullmq";
import { describe, expect, it } from "vitest";
import { AppError, isAppError } from "../../src/shared/app-error.js";
import { decideJob, toJobError, willRetry, withJobDecisions } from "../../src/queue/job-decision.js";
import { CATALOGUE } from "../support/error-catalogue.js";

/** Written out, not derived: what a job does after each of the bot's error codes. */
const EXPECTED: Record<string, "retry" | "fail"> = {
  "host-key-mismatch": "fail",
  "auth-failed": "fail",
  unreachable: "retry",
  timeout: "retry",
  "key-unreadable": "fail",
  disconnected: "retry",
  busy: "fail",
  aborted: "fail",
  "sudo-password-required": "fail",
  "sudo-not-permitted": "fail",
  "sudo-missing": "fail",
  "slot-timeout": "retry",
  CONFIG_INVALID: "fail",
  CHANNEL_SERVER: "fail",
  "connection-lost": "retry",
  fenced: "fail",
  "cluster-lock-lost": "fail",
  "step-aborted": "retry",
  "no-certificates": "fail",
  incomplete: "fail",
  "der-unsupported": "fail",
  // Someone may invite the bot (or fix the channel) before the next attempt.
  not_in_channel: "retry",
  channel_not_found: "retry",
  is_archived: "fail",
  invalid_auth: "fail",
  missing_scope: "fail",
  expired_url: "fail",
  invalid_blocks: "fail",
  rate_limited: "retry",
  service_unavailable: "retry",
  http_503: "retry",
  http_429: "retry",
  network_error: "retry",
  some_new_slack_error: "fail",
};

/** Written out: the codes that are final now but worth a later job attempt (a person may invite the bot). */
const RETRY_DESPITE_FINAL = new Set(["not_in_channel", "channel_not_found"]);

/** An error of ours outside the catalogue, to show the rule reads the AppError flags and nothing else. */
class ProbeError extends AppError<"probe"> {
  readonly code = "probe";
  readonly needsInvite = true;
}

describe("the AppError catalogue", () => {
  it.each(CATALOGUE)("$err.name $code carries its code, retryable and name", ({ err, code, retryable }) => {
    expect(isAppError(err)).toBe(true);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err.retryDespiteFinal).toBe(RETRY_DESPITE_FINAL.has(code));
    expect(err.name).toBe(err.constructor.name);
  });

  it("every code in the catalogue has a written-out job decision, and only those", () => {
    expect(new Set(CATALOGUE.map((e) => e.code))).toEqual(new Set(Object.keys(EXPECTED)));
  });
});

describe("decideJob / toJobError", () => {
  it.each(CATALOGUE)("$code → the written-out decision", ({ err, code }) => {
    expect(decideJob(err)).toBe(EXPECTED[code]);
    const thrown = toJobError(err);
    if (EXPECTED[code] === "retry") expect(thrown).toBe(err);
    else {
      expect(thrown).toBeInstanceOf(UnrecoverableError);
      expect((thrown as Error).message).toBe(err.message);
      expect((thrown as Error).cause).toBe(err);
    }
  });

  it.each([
    [{ retryable: true }, "retry"],
    [{ retryable: false }, "fail"],
    [{ retryable: false, retryDespiteFinal: true }, "retry"],
    [{ retryable: true, retryDespiteFinal: true }, "retry"],
  ] as const)(
    "any AppError %o → %s, whatever else it carries (a needsInvite field is not read)",
    (opts, want) => {
      const err = new ProbeError("probe", opts);
      expect(decideJob(err)).toBe(want);
      expect(toJobError(err) === err).toBe(want === "retry");
    },
  );

  it.each([
    ["a thrown string", "boom"],
    ["null", null],
    ["undefined", undefined],
    ["a plain Error", new Error("Connection is closed.")],
    ["an Error with a huge message", new Error("x".repeat(1_000_000))],
    ["an object", { code: "fenced", retryable: false }],
  ])("%s is not ours: retried as BullMQ would, passed through untouched", (_what, value) => {
    expect(decideJob(value)).toBe("retry");
    expect(toJobError(value)).toBe(value);
  });

  it("willRetry needs both a retryable error and an attempt left", () => {
    const job = (attemptsMade: number) => ({ attemptsMade, opts: { attempts: 2 } });
    const lost = CATALOGUE.find((e) => e.code === "connection-lost")!.err;
    const config = CATALOGUE.find((e) => e.code === "CONFIG_INVALID")!.err;
    expect(willRetry(lost, job(0))).toBe(true);
    expect(willRetry(lost, job(1))).toBe(false);
    expect(willRetry(config, job(0))).toBe(false);
    expect(willRetry("boom", { attemptsMade: 0, opts: {} })).toBe(false);
  });

  it("withJobDecisions rethrows through toJobError and returns what the processor returns", async () => {
    const fenced = CATALOGUE.find((e) => e.code === "fenced")!.err;
    const fail = withJobDecisions(async (_n: number): Promise<string> => {
      throw fenced;
    });
    await expect(fail(1)).rejects.toBeInstanceOf(UnrecoverableError);
    const lost = CATALOGUE.find((e) => e.code === "disconnected")!.err;
    const retry = withJobDecisions(async (): Promise<string> => {
      throw lost;
    });
    await expect(retry()).rejects.toBe(lost);
    await expect(withJobDecisions(async (n: number) => n * 2)(21)).resolves.toBe(42);
  });
});
