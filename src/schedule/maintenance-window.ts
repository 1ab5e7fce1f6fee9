import type { MaintenanceWindow } from "../config/inventory.js";

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

export type WindowState = { open: true; closesAt: Date } | { open: false; opensAt: Date };

/** Wall-clock parts of an instant in an IANA time zone. */
function wallParts(
  at: Date,
  tz: string,
): { y: number; mo: number; d: number; h: number; mi: number; dow: number } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    weekday: "short",
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return {
    y: +get("year"),
    mo: +get("month"),
    d: +get("day"),
    h: +get("hour"),
    mi: +get("minute"),
    dow: DAYS.indexOf(get("weekday").toLowerCase().slice(0, 3) as (typeof DAYS)[number]),
  };
}

/** The instant at which the wall clock in `tz` shows the given date and time (DST-aware). */
function zonedInstant(y: number, mo: number, d: number, h: number, mi: number, tz: string): Date {
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  let guess = asUtc;
  for (let i = 0; i < 3; i++) {
    const p = wallParts(new Date(guess), tz);
    const shownAsUtc = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi);
    guess += asUtc - shownAsUtc;
  }
  return new Date(guess);
}

/** Every window occurrence starting within [from - 8 days, from + 8 days], as instants. */
function occurrences(w: MaintenanceWindow, from: Date): Array<{ start: Date; end: Date }> {
  const [hh, mm] = w.start.split(":").map(Number) as [number, number];
  const out: Array<{ start: Date; end: Date }> = [];
  for (let offset = -8; offset <= 8; offset++) {
    const day = wallParts(new Date(from.getTime() + offset * 86_400_000), w.timezone);
    if (!w.days.includes(DAYS[day.dow] as (typeof w.days)[number])) continue;
    const start = zonedInstant(day.y, day.mo, day.d, hh, mm, w.timezone);
    out.push({ start, end: new Date(start.getTime() + w.durationMinutes * 60_000) });
  }
  return out;
}

/**
 * Whether a new node may start now. No windows configured means always open. Otherwise: open
 * until the current window closes, or closed until the next one opens.
 */
export function windowState(windows: MaintenanceWindow[], now: Date): WindowState {
  if (windows.length === 0) return { open: true, closesAt: new Date(8.64e15) };
  const all = windows.flatMap((w) => occurrences(w, now));
  const current = all
    .filter((o) => o.start <= now && now < o.end)
    .sort((a, b) => b.end.getTime() - a.end.getTime())[0];
  if (current) return { open: true, closesAt: current.end };
  const next = all.filter((o) => o.start > now).sort((a, b) => a.start.getTime() - b.start.getTime())[0];
  if (!next) throw new Error("maintenance windows produced no occurrence within 8 days");
  return { open: false, opensAt: next.start };
}
