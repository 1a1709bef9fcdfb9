/**
 * Calendar arithmetic of the gym, in one place and on luxon (IANA zones from the runtime's ICU):
 * memberships count whole days of the branch's calendar (`YYYY-MM-DD`, end exclusive), classes are
 * at a wall-clock time of the branch's zone whatever its UTC offset that day (DST-correct).
 */
import { DateTime } from 'luxon';

const ISO_DAY = 'yyyy-MM-dd';

const parseDay = (day: string): DateTime => DateTime.fromISO(day, { zone: 'UTC' });

/** Today in `timeZone`, `YYYY-MM-DD`. */
export const todayIn = (timeZone: string, now = new Date()): string =>
  DateTime.fromJSDate(now).setZone(timeZone).toFormat(ISO_DAY);

/** The calendar day of an instant in `timeZone`. */
export const dayOf = (instant: Date, timeZone: string): string =>
  DateTime.fromJSDate(instant).setZone(timeZone).toFormat(ISO_DAY);

export const addDays = (day: string, days: number): string => parseDay(day).plus({ days }).toFormat(ISO_DAY);

/** `day` plus whole months (Jan 31 + 1 month = Feb 28/29: luxon keeps within the month). */
export const addMonths = (day: string, months: number): string =>
  parseDay(day).plus({ months }).toFormat(ISO_DAY);

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export const daysBetween = (from: string, to: string): number =>
  Math.round(parseDay(to).diff(parseDay(from), 'days').days);

/** ISO weekday of a calendar day: 1 = Monday … 7 = Sunday. */
export const weekdayOf = (day: string): number => parseDay(day).weekday;

/**
 * The instant a wall-clock `HH:mm` of `day` is in `timeZone`. A time skipped by a DST change
 * (02:30 on a spring-forward night) is the same wall time after the jump, as luxon resolves it.
 */
export function localInstant(day: string, time: string, timeZone: string): Date {
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const d = parseDay(day);
  return DateTime.fromObject(
    { year: d.year, month: d.month, day: d.day, hour, minute },
    { zone: timeZone },
  ).toJSDate();
}
