/**
 * Calendar days (`YYYY-MM-DD`) in a business's IANA zone, and the pro-ration of a plan change:
 * pure and deterministic (workflow code, also imported by the seller's API for its preview), so the
 * preview and the workflow compute the same numbers.
 */
import type { PlanChangeQuote, RenewalItem } from './contract.ts';

const DAY_MS = 86_400_000;
const ymd = (day: string): [number, number, number] => {
  const [y, m, d] = day.split('-').map(Number);
  return [y!, m!, d!];
};

export function addDays(day: string, days: number): string {
  const [y, m, d] = ymd(day);
  return new Date(Date.UTC(y, m - 1, d) + days * DAY_MS).toISOString().slice(0, 10);
}

/** `day` plus whole months, kept within the month (Jan 31 + 1 month = Feb 28 or 29). */
export function addMonths(day: string, months: number): string {
  const [y, m, d] = ymd(day);
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(d, lastDay)))
    .toISOString()
    .slice(0, 10);
}

/** Days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  const [a, b, c] = ymd(from);
  const [x, y, z] = ymd(to);
  return Math.round((Date.UTC(x, y - 1, z) - Date.UTC(a, b - 1, c)) / DAY_MS);
}

type Parts = Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;

function parts(instant: number, zone: string): Parts {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  } catch {
    return parts(instant, 'UTC');
  }
  return Object.fromEntries(
    fmt
      .formatToParts(new Date(instant))
      .filter((p) => p.type !== 'literal')
      .map((p) => [p.type, Number(p.value)]),
  ) as Parts;
}

/** The calendar day an instant falls on in `zone`. */
export function dayIn(instant: number, zone: string): string {
  const p = parts(instant, zone);
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

const offsetOf = (instant: number, zone: string) => {
  const p = parts(instant, zone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - (instant - (instant % 1000));
};

/** The instant `hour`:00 of `day` in `zone` (DST-correct: the offset of that moment, found in two passes). */
export function zonedInstant(day: string, hour: number, zone: string): number {
  const [y, m, d] = ymd(day);
  const wall = Date.UTC(y, m - 1, d, hour);
  const first = wall - offsetOf(wall, zone);
  return wall - offsetOf(first, zone);
}

/**
 * A plan change on `today` within `[periodStart, periodEnd)`: the difference of the two prices for
 * the days left, rounded down (in the payer's favour) — charged now when the new plan costs more,
 * credited to the next renewal when it costs less.
 */
export function prorate(
  current: RenewalItem,
  next: RenewalItem,
  period: { periodStart: string; periodEnd: string },
  today: string,
): PlanChangeQuote {
  const periodDays = Math.max(1, daysBetween(period.periodStart, period.periodEnd));
  const daysLeft = Math.min(periodDays, Math.max(0, daysBetween(today, period.periodEnd)));
  const diff = ((BigInt(next.amount) - BigInt(current.amount)) * BigInt(daysLeft)) / BigInt(periodDays);
  return {
    fromPlanId: current.planId,
    toPlanId: next.planId,
    fromAmount: current.amount,
    toAmount: next.amount,
    currency: next.currency,
    daysLeft,
    periodDays,
    charge: (diff > 0n ? diff : 0n).toString(),
    credit: (diff < 0n ? -diff : 0n).toString(),
  };
}
