import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";
import type { OperationNotifier } from "./ports.js";
import { createProgressPump } from "./progress-pump.js";
import type { OpRecord } from "./records.js";

/**
 * Where each operation+phase's progress message is (key `op/phase` → thread ts). Kept in Redis by
 * the bot, so the segment a restarted worker or another replica runs updates the same message.
 */
export interface ProgressMessages {
  get(key: string): Promise<string | undefined>;
  set(key: string, ts: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** In this process only (tests, and engines built without a store). */
export function memoryProgressMessages(): ProgressMessages & { readonly size: number } {
  const m = new Map<string, string>();
  return {
    get: async (k) => m.get(k),
    set: async (k, ts) => void m.set(k, ts),
    delete: async (k) => void m.delete(k),
    get size() {
      return m.size;
    },
  };
}

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
 * message. A store that cannot be read or written (Redis away) only risks a second message: the
 * ledger and the audit are the record, not this message.
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
  let ts: Promise<string | undefined> | undefined;
  const known = () =>
    (ts ??= d.messages.get(key).catch((err: unknown) => {
      d.log.warn({ err }, "could not read where the progress message is");
      return undefined;
    }));
  const send = async () => {
    const lines = latest;
    if (!lines) return;
    const was = await known();
    const posted = await d.notifier.progress(d.op(), { phaseTitle: d.phase.title, lines }, was);
    if (!posted || was) return;
    ts = Promise.resolve(posted);
    await d.messages
      .set(key, posted)
      .catch((err: unknown) => d.log.warn({ err }, "could not record where the progress message is"));
  };
  const pump = createProgressPump(send, d.log, d.clock, d.minIntervalMs);
  return {
    report(lines) {
      latest = lines;
      pump.touch();
    },
    drain: () => pump.drain(),
    forget: () => void d.messages.delete(key).catch(() => undefined),
  };
}
