import { CronExpressionParser } from "cron-parser";
import { z } from "zod";

/** An IANA time zone name the runtime knows (Intl accepts UTC, Etc/…, Europe/Berlin, …). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Why cron-parser (the parser BullMQ's job schedulers use) refuses `expr`, or undefined. */
export function cronProblem(expr: string): string | undefined {
  try {
    CronExpressionParser.parse(expr, { tz: "UTC" });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export const timeZoneSchema = z.string().refine(isTimeZone, {
  error: (i) => `unknown time zone "${String(i.input)}": expected an IANA name such as UTC or Europe/Berlin`,
});

export const cronSchema = z.string().superRefine((expr, ctx) => {
  const problem = cronProblem(expr);
  if (problem)
    ctx.addIssue({
      code: "custom",
      message: `invalid cron expression "${expr}" (${problem}): expected five fields, minute hour day-of-month month day-of-week, such as "0 8 * * *"`,
    });
});
