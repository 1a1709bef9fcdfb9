/**
 * The arithmetic of paying an order with several tenders — pure, in integer minor units (bigint).
 *
 * Card, transfer and wallet tenders name exactly what they pay (no change is ever given on them:
 * more than what is due is refused). At most one cash tender names what the customer **handed
 * over**: it pays what the others leave due, and the rest is the **change**, computed here and
 * handed back — it is never charged, so it never reaches payments, the drawer or revenue. The order
 * is paid only when the tenders cover what is due exactly, to the minor unit; anything else is 422
 * `TENDERS_DO_NOT_BALANCE` naming the tender (or the list) that is off.
 */
import { DomainError } from '@faena/platform';

export const TENDER_METHODS = ['cash', 'card', 'transfer', 'wallet'] as const;
export type TenderMethod = (typeof TENDER_METHODS)[number];

export interface TenderInput {
  method: TenderMethod;
  /** Cash: what the customer handed over; any other: what it pays. Minor units, > 0. */
  amount: bigint;
}

export interface SettledTender<T extends TenderInput = TenderInput> {
  tender: T;
  /** What this tender pays toward the order (what payments is asked to take). */
  applied: bigint;
  /** What was handed over (cash) or charged (the others: `applied`). */
  received: bigint;
  /** Cash handed back: `received − applied` (0 on any other tender). */
  change: bigint;
}

export interface Settlement<T extends TenderInput = TenderInput> {
  tenders: SettledTender<T>[];
  /** The change to hand back (the cash tender's). */
  change: bigint;
}

const off = (message: string, field = 'body.tenders') =>
  new DomainError('TENDERS_DO_NOT_BALANCE', message, { field });

/** Splits `due` over `tenders` exactly, or refuses; `field` names the body's list. */
export function settleTenders<T extends TenderInput>(
  due: bigint,
  tenders: readonly T[],
  field = 'body.tenders',
): Settlement<T> {
  if (due <= 0n) throw off('Nothing is due on this order', field);
  if (!tenders.length) throw off('Name at least one tender', field);
  tenders.forEach((t, n) => {
    if (t.amount <= 0n) throw off('A tender is a positive amount', `${field}.${n}.amount`);
  });
  const cash = tenders.flatMap((t, n) => (t.method === 'cash' ? [n] : []));
  if (cash.length > 1)
    throw off('One cash tender: the customer hands over all the cash at once', `${field}.${cash[1]}.method`);
  const others = tenders.reduce((sum, t) => (t.method === 'cash' ? sum : sum + t.amount), 0n);
  if (others > due)
    throw off(
      `Card, transfer and wallet tenders pay ${others} of the ${due} due: no change is given on them`,
      field,
    );
  const cashDue = due - others;
  const at = cash[0];
  if (at === undefined) {
    if (cashDue !== 0n) throw off(`The tenders pay ${others} of the ${due} due`, field);
  } else {
    const handed = tenders[at]!.amount;
    if (cashDue === 0n)
      throw off('The other tenders already pay what is due: this cash pays nothing', `${field}.${at}.amount`);
    if (handed < cashDue)
      throw off(`Cash of ${handed} is short: ${cashDue} is left to pay`, `${field}.${at}.amount`);
  }
  const settled = tenders.map((tender) =>
    tender.method === 'cash'
      ? { tender, applied: cashDue, received: tender.amount, change: tender.amount - cashDue }
      : { tender, applied: tender.amount, received: tender.amount, change: 0n },
  );
  return { tenders: settled, change: at === undefined ? 0n : tenders[at]!.amount - cashDue };
}
