import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";
import type { OperationNotifier } from "./ports.js";
import { createProgressPump } from "./progress-pump.js";
import type { OpRecord } from "./records.js";

/** Where each operation+phase's progress message is (key `op/phase` → thread ts); shared by segments. */
export type ProgressMessages = Map<string, string>;

/** Enough for every operation a worker runs at once; the oldest entries go first. */
const MAX_REMEMBERED = 500;

export interface ThreadProgress {
  /** The latest lines (mrkdwn, untrusted parts escaped by the caller); cheap, never blocks the step. */
  report(lines: string[]): void;
  /** Send the last report now (end of the phase's segment). */
  drain(): Promise<void>;
  /** The phase is done: its message will not be updated again. */
  forget(): void;
}

/**
 * Mid-step progress of one phase: ONE thread message per operation+phase, posted on the first
 * report and then updated in place, coalesced and rate-limited by the same pump as the main
 * message. The message's ts lives in this process only: after a worker restart the next report
 * posts a fresh message (acceptable: the ledger and the audit are the record, not this message).
 */
export function createThreadProgress(d: {
  notifier: OperationNotifier;
  op: () => OpRecord;
  phase: { id: string; title: string };
  messages: ProgressMessages;
  clock: Clock;
  log: Logger;
  minIntervalMs: number;
}): ThreadProgress {
  const key = `${d.op().id}/${d.phase.id}`;
  let latest: string[] | undefined;
  const send = async () => {
    if (!latest) return;
    const ts = await d.notifier.progress(
      d.op(),
      { phaseTitle: d.phase.title, lines: latest },
      d.messages.get(key),
    );
    if (!ts || d.messages.has(key)) return;
    d.messages.set(key, ts);
    if (d.messages.size > MAX_REMEMBERED) d.messages.delete(d.messages.keys().next().value!);
  };
  const pump = createProgressPump(send, d.log, d.clock, d.minIntervalMs);
  return {
    report(lines) {
      latest = lines;
      pump.touch();
    },
    drain: () => pump.drain(),
    forget: () => void d.messages.delete(key),
  };
}
