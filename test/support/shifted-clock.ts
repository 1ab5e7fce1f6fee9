import { systemClock, type Clock } from "../../src/shared/clock.js";

/**
 * The wall clock moved by an offset the test sets: sleeps stay real (the code under test waits on
 * real sshd, Redis and BullMQ), only "now" is shifted: approval expiry, maintenance windows and
 * certificate ages without waiting hours. For time that must not move by itself, see ManualClock.
 */
export class ShiftedClock implements Clock {
  offsetMs = 0;

  constructor(start?: Date) {
    if (start) this.set(start);
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }

  /** Move "now" forward by `ms` (real time keeps running on top). */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Make "now" read `to` at this moment. */
  set(to: Date): void {
    this.offsetMs = to.getTime() - Date.now();
  }
}

export const DAY_MS = 86_400_000;
