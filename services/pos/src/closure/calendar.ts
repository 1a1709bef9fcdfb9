/**
 * Business dates of the nightly cash closure, on the branch's wall clock (luxon, DST-correct).
 *
 * - **A business date is a calendar day of the branch's zone** — the sales report's own definition
 *   (domain/reports.ts: `[local midnight, next local midnight)`), so the closure's sales and the
 *   report of that day are the same numbers.
 * - **When it is closed**: at the branch's `closingTime` that day, or — for a venue that closes
 *   after midnight (`closesNextDay`) — at `closingTime` of the next day, so the whole day is in
 *   when it runs (what sells after midnight is the next date's). A closing time that does not exist
 *   on a DST day (a skipped hour) is read as luxon does: moved forward by the gap.
 * - **Catch-up**: a firing closes every date due since the branch's last closure, at most
 *   `CATCH_UP_DAYS` back (a branch that never closed: only the latest due date).
 * - **SLO deadline**: the first 06:00 local after the date's closing instant.
 */
import { DateTime } from 'luxon';
import { CATCH_UP_DAYS } from '@faena/workflows/cash-closure/contract';

export interface ClosureClock {
  timeZone: string;
  /** `HH:mm`. */
  closingTime: string;
  closesNextDay: boolean;
}

const localDay = (date: string, zone: string) => DateTime.fromISO(date, { zone }).startOf('day');

/** The instant the closure of `date` runs. */
export function closingInstant(date: string, clock: ClosureClock): Date {
  const [hour, minute] = clock.closingTime.split(':').map(Number) as [number, number];
  return localDay(date, clock.timeZone)
    .plus({ days: clock.closesNextDay ? 1 : 0 })
    .set({ hour, minute, second: 0, millisecond: 0 })
    .toJSDate();
}

/** The first 06:00 local after the closing instant: the closure should be done by then. */
export function closureDueBy(date: string, clock: ClosureClock): Date {
  const closing = DateTime.fromJSDate(closingInstant(date, clock), { zone: clock.timeZone });
  const six = closing.set({ hour: 6, minute: 0, second: 0, millisecond: 0 });
  return (six > closing ? six : six.plus({ days: 1 })).toJSDate();
}

/** The latest business date whose closing instant is at or before `at`. */
export function latestDueDate(at: Date, clock: ClosureClock): string {
  let day = DateTime.fromJSDate(at, { zone: clock.timeZone }).startOf('day');
  if (clock.closesNextDay) day = day.minus({ days: 1 });
  if (closingInstant(day.toISODate()!, clock).getTime() > at.getTime()) day = day.minus({ days: 1 });
  return day.toISODate()!;
}

/** The dates a firing at `at` closes, oldest first (see the file's comment). */
export function dueDates(at: Date, clock: ClosureClock, lastClosed: string | null): string[] {
  const latest = localDay(latestDueDate(at, clock), clock.timeZone);
  if (!lastClosed) return [latest.toISODate()!];
  const dates: string[] = [];
  for (let i = CATCH_UP_DAYS - 1; i >= 0; i--) {
    const d = latest.minus({ days: i }).toISODate()!;
    if (d > lastClosed) dates.push(d);
  }
  return dates;
}
