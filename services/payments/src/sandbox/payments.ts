/**
 * What the sandbox does to payments: create one (its outcome from the request, see outcomes.ts),
 * resolve a pending one later, refund, and show one as MercadoPago's API does. Every change is
 * stored (store.save) before it is answered or notified.
 */
import { isRecord } from '@faena/platform';
import { decimalToMinor, isCurrency, minorToDecimalNumber } from '@faena/platform/money';
import { HttpError } from './http.ts';
import { WAITING, outcomeOf, payerFirstName, type Outcome, type Resolution } from './outcomes.ts';
import type { SandboxPayment, SandboxRefund, SandboxStore } from './store.ts';
import type { Notifier } from './webhooks.ts';

const text = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);

/**
 * A decimal amount of the API (JSON number or text) in exact minor units, through the same helpers
 * as the adapter (platform money.ts): no floating-point sums, more decimals than the currency has is
 * a 400 as a strict provider answers it.
 */
function minorOf(value: unknown, currency: string, field: string): bigint {
  try {
    if (typeof value === 'number' || typeof value === 'string') return decimalToMinor(value, currency);
  } catch {
    // answered below
  }
  throw new HttpError(400, `${field} must be a decimal amount in ${currency}'s minor unit`);
}
const paidOf = (p: SandboxPayment) => decimalToMinor(p.transaction_amount, p.currency_id);
const refundedOf = (p: SandboxPayment) =>
  p.refunds.reduce((s, r) => s + decimalToMinor(r.amount, p.currency_id), 0n);

export function sandboxPayments(ctx: {
  store: SandboxStore;
  notifier: Notifier;
  now: () => number;
  defaultOutcome: Outcome;
  /** The sandbox's own base URL (the checkout page link), known once it listens. */
  baseUrl: () => string;
}) {
  const { store, notifier } = ctx;
  const iso = () => new Date(ctx.now()).toISOString();

  /** The payment as `GET /v1/payments/:id` answers it (never the merchant's token). */
  const view = (p: SandboxPayment) => {
    const { accessToken: _t, ...rest } = p;
    return {
      ...rest,
      transaction_amount_refunded: minorToDecimalNumber(refundedOf(p), p.currency_id),
      point_of_interaction: {
        transaction_data: { ticket_url: `${ctx.baseUrl()}/sandbox/checkout/${p.id}` },
      },
    };
  };

  return {
    view,

    /** Moves a pending payment to its outcome, stores it and (unless silent) notifies the merchant. */
    settle(p: SandboxPayment, r: Resolution, notify = true): void {
      p.status = r.status;
      p.status_detail = r.status_detail;
      p.date_last_updated = iso();
      if (r.status === 'approved') p.date_approved = p.date_last_updated;
      store.save();
      if (notify) notifier.enqueue(p);
    },

    /** `POST /v1/payments`: once per idempotency key (a repeat answers the payment as it is now). */
    create(token: string, body: Record<string, unknown>, key: string | undefined) {
      const seen = key ? store.payments.get(store.idempotency.get(`${token}:${key}`) ?? -1) : undefined;
      if (seen) return view(seen);
      const currency = text(body.currency_id, 'ARS');
      if (!isCurrency(currency)) throw new HttpError(400, 'currency_id must be an ISO 4217 currency');
      const minor = minorOf(body.transaction_amount, currency, 'transaction_amount');
      if (minor <= 0n) throw new HttpError(400, 'transaction_amount must be positive');
      // Stored (and answered) as the JSON number MercadoPago answers, made from the exact decimal.
      const amount = minorToDecimalNumber(minor, currency);
      const r = outcomeOf(body, ctx.defaultOutcome);
      const payer = isRecord(body.payer) ? body.payer : {};
      const at = iso();
      const p: SandboxPayment = {
        id: store.newId(),
        accessToken: token,
        status: r.status,
        status_detail: r.status_detail,
        transaction_amount: amount,
        currency_id: currency,
        description: text(body.description, ''),
        external_reference: typeof body.external_reference === 'string' ? body.external_reference : null,
        notification_url: typeof body.notification_url === 'string' ? body.notification_url : null,
        payer: {
          email: typeof payer.email === 'string' ? payer.email : null,
          first_name: payerFirstName(body),
        },
        metadata: isRecord(body.metadata) ? body.metadata : {},
        refunds: [],
        date_created: at,
        date_approved: r.status === 'approved' ? at : null,
        date_last_updated: at,
      };
      store.payments.set(p.id, p);
      if (key) store.idempotency.set(`${token}:${key}`, p.id);
      store.save();
      if (p.status !== 'pending') notifier.enqueue(p, 'payment.created');
      // The payment starts pending, as MercadoPago's asynchronous methods do; the outcome arrives by webhook.
      return p.status === 'pending' ? view(p) : { ...view(p), ...WAITING };
    },

    /**
     * `POST /v1/payments/:id/refunds`: `amount` (decimal) or all that is left; once per idempotency
     * key. Like MercadoPago, a partial refund leaves the payment approved (status_detail
     * partially_refunded); the last one makes it refunded.
     */
    refund(token: string, p: SandboxPayment, body: Record<string, unknown>, key: string | undefined) {
      const k = key && `${token}:refund:${p.id}:${key}`;
      const seen = k ? p.refunds.find((r) => r.id === store.idempotency.get(k)) : undefined;
      if (seen) return seen;
      const refunded = refundedOf(p);
      const left = paidOf(p) - refunded;
      const amount = body.amount === undefined ? left : minorOf(body.amount, p.currency_id, 'amount');
      if (p.status !== 'approved' || amount <= 0n || amount > left)
        throw new HttpError(400, 'invalid refund');
      const r: SandboxRefund = {
        id: store.newId(),
        amount: minorToDecimalNumber(amount, p.currency_id),
        date_created: iso(),
      };
      p.refunds.push(r);
      if (k) store.idempotency.set(k, r.id);
      const full = amount === left;
      p.status = full ? 'refunded' : 'approved';
      p.status_detail = full ? 'refunded' : 'partially_refunded';
      p.date_last_updated = iso();
      store.save();
      return r;
    },
  };
}

export type SandboxPayments = ReturnType<typeof sandboxPayments>;
