/**
 * Paying POS orders through the payments service, with split tenders, and refunding them.
 *
 * **Paying** (`payOrder`): the tenders (cash, card, transfer, wallet) are settled against what the
 * order still owes (`orderTotals` minus the tenders already captured) with `settleTenders`: they
 * must cover it exactly, to the minor unit; the cash tender names what was handed over and its
 * change is computed and answered, never charged. The stock the order's recipes take is checked
 * (a rolled-back `deductForSale`) before any money moves. Then, in three steps:
 * 1. the tenders are written `pending`, each with the Idempotency-Key it is charged with,
 *    `pos-order:<order>:tender:<tender>` (one transaction, the order row locked);
 * 2. each is charged in payments **with the caller's token** (payments checks `payments.create`,
 *    `payments.record_external` for card/transfer, the payer code of someone else's wallet, the
 *    cash drawer's open session): captured, or failed with payments' refusal code; payments being
 *    down leaves it pending and answers 503;
 * 3. when the captured tenders cover the total, **one transaction** deducts the recipes' stock
 *    (`deductForSale`, reference `order:<id>`, lines from `recipeStockLines`) and marks the order
 *    paid (`markPaid`).
 * A crash anywhere loses nothing: the retry of the same request (same caller, same Idempotency-Key)
 * finds its tenders by the request's scoped key and charges them again with the same keys — payments
 * replays its first answer — and step 3 runs once (`markPaid` moves only an unpaid order;
 * `deductForSale` is once per reference). A refused tender counts for nothing; the others stay
 * captured and the rest is paid with another request. Another caller's pending tender on the order
 * is 409 `PAYMENT_IN_PROGRESS` (its retry is theirs: payments scopes keys to the caller).
 *
 * **Refunding** (`refundOrder`, `orders.refund`, a reason): every captured tender is refunded in
 * payments (key `pos-order:<order>:refund:<tender>`; cash goes out of the drawer that took it, or the
 * one named, with an open session); once all are, the refund is `refunded` and — when the business's
 * `restockOnRefund` says so — the units the sale took go back (`restockForRefund`), in one
 * transaction. Once per order; a retry goes on where it stopped.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { LockMode } from '@mikro-orm/core';
import { uuidv7 } from 'uuidv7';
import {
  DomainError,
  ERROR_STATUS,
  isPaymentsRefusal,
  type ErrorCode,
  type PaymentAnswer,
  type PaymentsClient,
} from '@faena/platform';
import { Order } from './order-entities.ts';
import { lockOrder, markPaid, orderItemsForStock, orderTotals } from './orders.ts';
import { recipeStockLines } from './recipes.ts';
import { deductForSale, restockForRefund, type StockLine } from './inventory.ts';
import type { InventoryAlert } from './inventory-entities.ts';
import {
  OrderPaymentSettings,
  OrderRefund,
  OrderTender,
  type TenderStatus,
} from './order-payments-entities.ts';
import { settleTenders, type TenderMethod } from './order-payments-tenders.ts';

/** What payments records the order's tenders as. */
export const PURPOSE = 'pos_order';
export const saleReference = (orderId: string) => `order:${orderId}`;
export const tenderKey = (orderId: string, tenderId: string) => `pos-order:${orderId}:tender:${tenderId}`;
export const refundKey = (orderId: string, tenderId: string) => `pos-order:${orderId}:refund:${tenderId}`;

export interface TenderRequest {
  method: TenderMethod;
  /** Cash: what was handed over; the others: what they pay (minor units). */
  amount: bigint;
  /** Cash: required (the drawer whose open session takes it); the others may name one. */
  drawerId?: string | undefined;
  /** Wallet: the customer whose wallet pays, with the payer code they show. */
  payerId?: string | undefined;
  payerCode?: string | undefined;
}

/** Who asks: their token goes to payments; the request's scoped key finds its tenders on a retry. */
export interface Caller {
  token: string;
  userId: string;
  requestKey: string;
}

/** Payments' fields of a tender's charge, named as the POS body names them. */
const tenderField = (n: number) => (f: string) =>
  f === 'body.drawerId' || f === 'body.payerCode' || f === 'body.payerId'
    ? `body.tenders.${n}.${f.slice('body.'.length)}`
    : undefined;

const sum = (tenders: OrderTender[], statuses: TenderStatus[]) =>
  tenders.filter((t) => statuses.includes(t.status)).reduce((s, t) => s + t.amount, 0n);

export function presentTender(t: OrderTender) {
  return {
    id: t.id,
    method: t.method,
    amount: t.amount.toString(),
    received: t.received.toString(),
    change: t.change.toString(),
    currency: t.currency,
    drawerId: t.drawerId ?? null,
    payerId: t.payerId,
    status: t.status,
    paymentId: t.paymentId ?? null,
    failureCode: t.failureCode ?? null,
    failureReason: t.failureReason ?? null,
    createdAt: t.createdAt,
  };
}

/** An order's payment state: its total, what its tenders captured, what is left, the tenders. */
export async function paymentView(em: EntityManager, order: Order) {
  const tenders = await em.find(OrderTender, { orderId: order.id }, { orderBy: { id: 'asc' } });
  const refund = await em.findOne(OrderRefund, { orderId: order.id });
  const captured = sum(tenders, ['captured', 'refunded']);
  return {
    orderId: order.id,
    status: order.status,
    currency: order.currency,
    total: order.total.toString(),
    paid: captured.toString(),
    due: (order.total > captured ? order.total - captured : 0n).toString(),
    tenders: tenders.map(presentTender),
    refund: refund
      ? {
          id: refund.id,
          status: refund.status,
          amount: refund.amount.toString(),
          reason: refund.reason,
          restock: refund.restock,
          refundedAt: refund.refundedAt ?? null,
        }
      : null,
  };
}

/** What the order's item lines take from the inventory (their recipes, variants and modifiers). */
async function stockLines(em: EntityManager, orderId: string): Promise<StockLine[]> {
  const lines: StockLine[] = [];
  for (const item of await orderItemsForStock(em, orderId)) lines.push(...(await recipeStockLines(em, item)));
  return lines;
}

/** Thrown to roll the stock check back (never leaves `assertStock`). */
class DryRun extends Error {}

/** Refuses (409 OUT_OF_STOCK) an order whose recipes the branch cannot cover, moving nothing. */
async function assertStock(tx: EntityManager, order: Order): Promise<void> {
  const lines = await stockLines(tx, order.id);
  if (!lines.length) return;
  try {
    await tx.transactional(async (dry) => {
      await deductForSale(dry, { branchId: order.branchId, reference: saleReference(order.id), lines });
      throw new DryRun('rolled back');
    });
  } catch (err) {
    if (!(err instanceof DryRun)) throw err;
  }
}

export interface PayResult {
  order: Order;
  change: bigint;
  alerts: InventoryAlert[];
}

/** Pays `orderId` with `tenders` (see the module's comment); `alerts` are for delivery after the commit. */
export async function payOrder(
  em: EntityManager,
  payments: PaymentsClient,
  caller: Caller,
  orderId: string,
  tenders: TenderRequest[],
): Promise<PayResult> {
  // 1. The tenders, pending, with their keys (or this request's, when it is a retry).
  const mine = await em.transactional(async (tx) => {
    const order = await lockOrder(tx, orderId);
    const all = await tx.find(OrderTender, { orderId }, { orderBy: { position: 'asc' } });
    const retry = all.filter((t) => t.requestKey === caller.requestKey);
    if (retry.length) return retry;
    if (order.status === 'paid' || order.status === 'cancelled' || order.status === 'open')
      throw new DomainError(
        'INVALID_STATE_TRANSITION',
        order.status === 'open'
          ? 'Send the order before taking its payment'
          : `A ${order.status} order takes no payment`,
        { field: 'status' },
      );
    if (all.some((t) => t.status === 'pending'))
      throw new DomainError(
        'PAYMENT_IN_PROGRESS',
        "Another request is still taking a tender of this order: it is retried with that request's Idempotency-Key",
      );
    const { total, currency } = await orderTotals(tx, orderId);
    const settled = settleTenders(total - sum(all, ['captured']), tenders);
    await assertStock(tx, order);
    return settled.tenders.map(({ tender, applied, received, change }, position) => {
      const id = uuidv7();
      return tx.create(OrderTender, {
        id,
        orderId,
        branchId: order.branchId,
        requestKey: caller.requestKey,
        position,
        method: tender.method,
        amount: applied,
        received,
        change,
        currency,
        drawerId: tender.drawerId ?? null,
        payerId: tender.payerId ?? caller.userId,
        paymentKey: tenderKey(orderId, id),
        status: 'pending',
        createdBy: caller.userId,
      });
    });
  });
  // 2. Each pending tender charged in payments (a retry asks again with the same key).
  for (const t of mine) {
    if (t.status !== 'pending') continue;
    let answer: PaymentAnswer;
    try {
      answer = await payments.create(
        caller.token,
        t.paymentKey,
        {
          amount: t.amount,
          currency: t.currency,
          method: t.method,
          payerId: t.payerId,
          branchId: t.branchId,
          drawerId: t.drawerId ?? undefined,
          purpose: PURPOSE,
          reference: saleReference(orderId),
          payerCode: tenders[t.position]?.payerCode,
        },
        tenderField(t.position),
      );
    } catch (err) {
      if (!isPaymentsRefusal(err)) throw err; // payments unreachable: pending, retried with the request
      await settleTender(em, t.id, { status: 'failed', failureCode: err.code, failureReason: err.message });
      continue;
    }
    const taken = answer.status === 'captured';
    await settleTender(
      em,
      t.id,
      taken
        ? { status: 'captured', paymentId: answer.id }
        : { status: 'failed', failureCode: 'PROVIDER_REFUSED', failureReason: `payments: ${answer.status}` },
    );
  }
  // 3. Covered: the stock and the order's paid status in one transaction (once).
  const result = await em.transactional(async (tx) => {
    const order = await lockOrder(tx, orderId);
    const all = await tx.find(OrderTender, { orderId });
    const alerts: InventoryAlert[] = [];
    if (order.status !== 'paid' && sum(all, ['captured']) === order.total) {
      const stock = await deductForSale(tx, {
        branchId: order.branchId,
        reference: saleReference(orderId),
        lines: await stockLines(tx, orderId),
      });
      alerts.push(...stock.alerts);
      await markPaid(tx, orderId, saleReference(orderId));
    }
    const now = await tx.find(OrderTender, { orderId, requestKey: caller.requestKey });
    return {
      order: await tx.findOneOrFail(Order, { id: orderId }, { refresh: true }),
      change: now.reduce((s, t) => (t.status === 'captured' ? s + t.change : s), 0n),
      alerts,
      failed: now.filter((t) => t.status === 'failed').sort((a, b) => a.position - b.position),
      due: order.total - sum(all, ['captured']),
    };
  });
  const first = result.failed[0];
  if (first)
    throw new DomainError(
      first.failureCode && first.failureCode in ERROR_STATUS
        ? (first.failureCode as ErrorCode)
        : 'PROVIDER_REFUSED',
      `Tender ${first.position + 1} (${first.method}) was refused: ${first.failureReason ?? first.failureCode}. ` +
        `The other tenders stand; ${result.due} ${result.order.currency} is left to pay`,
      { field: `body.tenders.${first.position}` },
    );
  return { order: result.order, change: result.change, alerts: result.alerts };
}

async function settleTender(
  em: EntityManager,
  id: string,
  fields: Partial<Pick<OrderTender, 'status' | 'paymentId' | 'failureCode' | 'failureReason'>>,
): Promise<void> {
  await em.transactional(async (tx) => {
    const t = await tx.findOneOrFail(OrderTender, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (t.status !== 'pending') return;
    tx.assign(t, fields);
  });
}

export async function getPaymentSettings(em: EntityManager): Promise<{ restockOnRefund: boolean }> {
  const s = await em.findOne(OrderPaymentSettings, {});
  return { restockOnRefund: s?.restockOnRefund ?? true };
}

export async function setPaymentSettings(
  em: EntityManager,
  input: { restockOnRefund: boolean },
  actor: string,
): Promise<{ restockOnRefund: boolean }> {
  await em.transactional(async (tx) => {
    const s = await tx.findOne(OrderPaymentSettings, {});
    if (s) s.restockOnRefund = input.restockOnRefund;
    else tx.create(OrderPaymentSettings, { restockOnRefund: input.restockOnRefund, createdBy: actor });
  });
  return input;
}

export interface RefundResult {
  order: Order;
  refund: OrderRefund;
  alerts: InventoryAlert[];
}

/** Refunds a paid order in full (see the module's comment). */
export async function refundOrder(
  em: EntityManager,
  payments: PaymentsClient,
  caller: Caller,
  orderId: string,
  input: { reason: string; drawerId?: string | undefined },
): Promise<RefundResult> {
  const refund = await em.transactional(async (tx) => {
    const order = await lockOrder(tx, orderId);
    const existing = await tx.findOne(OrderRefund, { orderId });
    if (existing) {
      if (existing.status === 'refunded' && existing.requestKey !== caller.requestKey)
        throw new DomainError('INVALID_STATE_TRANSITION', 'The order is refunded already', {
          field: 'status',
        });
      if (existing.status === 'pending' && existing.createdBy !== caller.userId)
        throw new DomainError(
          'PAYMENT_IN_PROGRESS',
          'Another user is refunding this order: their retry completes it',
        );
      return existing;
    }
    if (order.status !== 'paid')
      throw new DomainError('INVALID_STATE_TRANSITION', `A ${order.status} order is not refunded`, {
        field: 'status',
      });
    const tenders = await tx.find(OrderTender, { orderId, status: 'captured' });
    return tx.create(OrderRefund, {
      orderId,
      branchId: order.branchId,
      reason: input.reason,
      amount: sum(tenders, ['captured']),
      currency: order.currency,
      restock: (await getPaymentSettings(tx)).restockOnRefund,
      status: 'pending',
      requestKey: caller.requestKey,
      createdBy: caller.userId,
    });
  });
  if (refund.status === 'pending') {
    const tenders = await em.find(OrderTender, { orderId, status: 'captured' }, { orderBy: { id: 'asc' } });
    for (const t of tenders) {
      await payments.refund(
        caller.token,
        refundKey(orderId, t.id),
        t.paymentId!,
        {
          amount: t.amount,
          reason: refund.reason,
          drawerId: t.method === 'cash' ? input.drawerId : undefined,
        },
        (f) => (f === 'body.drawerId' ? f : undefined),
      );
      await em.transactional(async (tx) => {
        const locked = await tx.findOneOrFail(
          OrderTender,
          { id: t.id },
          { lockMode: LockMode.PESSIMISTIC_WRITE },
        );
        if (locked.status === 'captured') locked.status = 'refunded';
      });
    }
  }
  return em.transactional(async (tx) => {
    const r = await tx.findOneOrFail(
      OrderRefund,
      { id: refund.id },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    const alerts: InventoryAlert[] = [];
    if (r.status === 'pending') {
      if (r.restock)
        alerts.push(...(await restockForRefund(tx, { reference: saleReference(orderId) })).alerts);
      r.status = 'refunded';
      r.refundedAt = new Date();
    }
    return { order: await tx.findOneOrFail(Order, { id: orderId }), refund: r, alerts };
  });
}
