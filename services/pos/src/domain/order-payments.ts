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
 * The register's drawer (`drawerId` of the request) goes with every tender, so the drawer's open
 * cash session counts card, transfer and wallet as well as cash (its expected amount per method).
 *
 * **Even splits**: the parts' share lines have no recipe; when the last open part of an even split
 * is paid (the others paid or cancelled), the same transaction deducts the original's recipes
 * (reference `order:<original>`, once), under the original's row lock.
 *
 * **Refunding** (`refundOrder`, `orders.refund`, a reason), several times per order, together never
 * more than the tenders took (422 REFUND_EXCEEDS_PAID, checked under the order's row lock): the
 * whole rest, units of lines (`lines`: each line's total × q / its quantity, never more units than
 * it has over all refunds) or an `amount`. The amount is split over the captured tenders in the
 * order they were taken (each up to what it has not given back), each part refunded in payments
 * with its own key `pos-order:<order>:refund:<refund>:tender:<tender>` (cash out of the drawer that
 * took it, or the one named, with an open session); once all are, the refund is `refunded` and —
 * when the business's `restockOnRefund` says so — stock goes back (`restockForRefund`) in one
 * transaction: the rest of the sale for `whole`, the lines' recipes by share for `lines`, nothing
 * for `amount`; an even part gives back its share of the original's sale (`restockShare`). One
 * refund of an order at a time (409 PAYMENT_IN_PROGRESS); a retry goes on where it stopped.
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
import { OPEN_STATUSES, Order, OrderLine } from './order-entities.ts';
import { loadOrder, lockOrder, markPaid, orderItemsForStock, orderTotals } from './orders.ts';
import { roundDiv } from './order-totals.ts';
import { recipeStockLines } from './recipes.ts';
import { deductForSale, restockForRefund, type StockLine } from './inventory.ts';
import { InventoryMovement, type InventoryAlert } from './inventory-entities.ts';
import {
  OrderPaymentSettings,
  OrderRefund,
  OrderRefundLine,
  OrderRefundTender,
  OrderTender,
  type RefundKind,
  type TenderStatus,
} from './order-payments-entities.ts';
import { settleTenders, type TenderMethod } from './order-payments-tenders.ts';

/** What payments records the order's tenders as. */
export const PURPOSE = 'pos_order';
export const saleReference = (orderId: string) => `order:${orderId}`;
export const tenderKey = (orderId: string, tenderId: string) => `pos-order:${orderId}:tender:${tenderId}`;
export const refundKey = (orderId: string, refundId: string, tenderId: string) =>
  `pos-order:${orderId}:refund:${refundId}:tender:${tenderId}`;

export interface TenderRequest {
  method: TenderMethod;
  /** Cash: what was handed over; the others: what they pay (minor units). */
  amount: bigint;
  /**
   * The drawer whose open cash session takes it: required for cash; the others name it too when the
   * register's drawer is known, so the session's expected card/transfer/wallet amounts include them.
   */
  drawerId?: string | undefined;
  /** The drawer is the request's own (`body.drawerId`, for every tender), not the tender's. */
  sharedDrawer?: boolean | undefined;
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
const tenderField = (n: number, sharedDrawer: boolean) => (f: string) =>
  f === 'body.drawerId' && sharedDrawer
    ? f
    : f === 'body.drawerId' || f === 'body.payerCode' || f === 'body.payerId'
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
    refundedAmount: t.refundedAmount.toString(),
    failureCode: t.failureCode ?? null,
    failureReason: t.failureReason ?? null,
    createdAt: t.createdAt,
  };
}

/** An order's payment state: its total, what its tenders captured, what is left, the tenders. */
export async function paymentView(em: EntityManager, order: Order) {
  const tenders = await em.find(
    OrderTender,
    { orderId: order.id },
    { orderBy: { id: 'asc' }, refresh: true },
  );
  const refunds = await em.find(
    OrderRefund,
    { orderId: order.id },
    { orderBy: { id: 'asc' }, refresh: true },
  );
  const lines = refunds.length
    ? await em.find(
        OrderRefundLine,
        { refundId: { $in: refunds.map((r) => r.id) } },
        { orderBy: { id: 'asc' } },
      )
    : [];
  const captured = sum(tenders, ['captured', 'refunded']);
  return {
    orderId: order.id,
    status: order.status,
    currency: order.currency,
    total: order.total.toString(),
    paid: captured.toString(),
    due: (order.total > captured ? order.total - captured : 0n).toString(),
    refunded: tenders.reduce((s, t) => s + t.refundedAmount, 0n).toString(),
    tenders: tenders.map(presentTender),
    refunds: refunds.map((r) => ({
      id: r.id,
      kind: r.kind,
      status: r.status,
      amount: r.amount.toString(),
      reason: r.reason,
      restock: r.restock,
      lines: lines
        .filter((l) => l.refundId === r.id)
        .map((l) => ({ lineId: l.lineId, quantity: l.quantity, amount: l.amount.toString() })),
      refundedAt: r.refundedAt ?? null,
    })),
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

/**
 * Refuses (409 OUT_OF_STOCK) an order whose recipes the branch cannot cover, moving nothing — with
 * the original's recipes when it is the last open part of an even split.
 */
async function assertStock(tx: EntityManager, order: Order): Promise<void> {
  const original = await originalDue(tx, order, false);
  const wanted: Array<{ o: Order; lines: StockLine[] }> = [];
  for (const o of original ? [order, original] : [order])
    wanted.push({ o, lines: await stockLines(tx, o.id) });
  if (!wanted.some((w) => w.lines.length)) return;
  try {
    await tx.transactional(async (dry) => {
      for (const { o, lines } of wanted)
        if (lines.length)
          await deductForSale(dry, { branchId: o.branchId, reference: saleReference(o.id), lines });
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
        tenderField(t.position, tenders[t.position]?.sharedDrawer ?? false),
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
      // The last open part of an even split: the original's recipes leave now (once per reference).
      const original = await originalDue(tx, order, true);
      if (original)
        alerts.push(
          ...(
            await deductForSale(tx, {
              branchId: original.branchId,
              reference: saleReference(original.id),
              lines: await stockLines(tx, original.id),
            })
          ).alerts,
        );
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

// ---------------------------------------------------------------------------------------------
// Even splits: the original's recipes leave with its last part, and come back by share

/** The even parts of `originalId`: the orders split from it that carry a share line. */
async function evenParts(em: EntityManager, originalId: string): Promise<Order[]> {
  const children = await em.find(Order, { splitFromId: originalId }, { refresh: true });
  if (!children.length) return [];
  const shares = await em.find(OrderLine, { orderId: { $in: children.map((c) => c.id) }, kind: 'share' });
  return children.filter((c) => shares.some((l) => l.orderId === c.id));
}

/**
 * The original of an even part whose other parts are all closed (paid or cancelled): paying this
 * part deducts the original's recipes (`order:<original>`). `lock` takes the original's row first,
 * so two parts paid at once queue there and exactly one finds the others closed.
 */
async function originalDue(em: EntityManager, part: Order, lock: boolean): Promise<Order | null> {
  if (!part.splitFromId) return null;
  const original = lock ? await lockOrder(em, part.splitFromId) : await loadOrder(em, part.splitFromId);
  const parts = await evenParts(em, original.id);
  if (!parts.some((p) => p.id === part.id)) return null;
  return parts.some((p) => p.id !== part.id && OPEN_STATUSES.includes(p.status)) ? null : original;
}

/**
 * Gives back a refunded even part's share of its original's sale: `1/parts` of each item the sale
 * took (rounded down to the thousandth), or — when every other part's share came back already —
 * all that is left of it. Nothing while the original's stock has not left yet (its last part unpaid).
 */
async function restockShare(tx: EntityManager, part: Order): Promise<InventoryAlert[]> {
  const reference = saleReference(part.splitFromId!);
  const sold = await tx.find(InventoryMovement, { reference, kind: 'sale' });
  if (!sold.length) return [];
  const parts = await evenParts(tx, part.splitFromId!);
  const others = parts.filter((p) => p.id !== part.id);
  const back = await sharesBack(
    tx,
    others.map((p) => p.id),
  );
  const lines =
    back.size === others.length
      ? undefined
      : sold
          .map((m) => ({ itemId: m.itemId, quantity: -m.quantity / BigInt(parts.length) }))
          .filter((l) => l.quantity > 0n);
  if (lines && !lines.length) return [];
  return (await restockForRefund(tx, { reference, ...(lines && { lines }) })).alerts;
}

/** The parts (of `partIds`) whose share of the original came back: a refunded, restocking refund of it. */
async function sharesBack(tx: EntityManager, partIds: string[]): Promise<Set<string>> {
  if (!partIds.length) return new Set();
  const refunds = await tx.find(OrderRefund, {
    orderId: { $in: partIds },
    status: 'refunded',
    restock: true,
  });
  const shares = await tx.find(OrderLine, { orderId: { $in: partIds }, kind: 'share' });
  const lines = refunds.length
    ? await tx.find(OrderRefundLine, { refundId: { $in: refunds.map((r) => r.id) } })
    : [];
  return new Set(
    refunds
      .filter(
        (r) =>
          r.kind === 'whole' ||
          lines.some((l) => l.refundId === r.id && shares.some((s) => s.id === l.lineId)),
      )
      .map((r) => r.orderId),
  );
}

// ---------------------------------------------------------------------------------------------
// Refunds

export interface RefundInput {
  reason: string;
  /** Cash: the drawer whose open session pays it out (default: the one that took it). */
  drawerId?: string | undefined;
  /** Units of lines to give back (their share of the line's total and of its recipe). */
  lines?: Array<{ lineId: string; quantity: number }> | undefined;
  /** Money only, minor units (nothing goes back to stock). */
  amount?: bigint | undefined;
}

export interface RefundResult {
  order: Order;
  refund: OrderRefund;
  alerts: InventoryAlert[];
}

/** What `asked` units of the order's lines are worth: each line's total × q / its quantity, the last units the rest. */
async function priceRefundLines(
  tx: EntityManager,
  orderId: string,
  asked: NonNullable<RefundInput['lines']>,
) {
  const lines = await tx.find(OrderLine, { orderId });
  const before = await tx.find(OrderRefundLine, { orderId });
  const seen = new Set<string>();
  const rows = asked.map((a, n) => {
    const field = `body.lines.${n}`;
    const l = lines.find((x) => x.id === a.lineId && !x.voidedAt);
    if (!l)
      throw new DomainError('UNKNOWN_REFERENCE', 'No such line on this order', { field: `${field}.lineId` });
    if (seen.has(l.id))
      throw new DomainError('DUPLICATE_LINE', 'A line is named once per refund', {
        field: `${field}.lineId`,
      });
    seen.add(l.id);
    const done = before.filter((b) => b.lineId === l.id);
    const q = done.reduce((s, b) => s + b.quantity, 0);
    const v = done.reduce((s, b) => s + b.amount, 0n);
    if (q + a.quantity > l.quantity)
      throw new DomainError(
        'REFUND_EXCEEDS_PAID',
        `${l.quantity - q} of ${l.quantity} × ${l.name} are left to refund`,
        { field: `${field}.quantity` },
      );
    const amount =
      q + a.quantity === l.quantity
        ? l.total - v
        : roundDiv(l.total * BigInt(a.quantity), BigInt(l.quantity));
    return { lineId: l.id, quantity: a.quantity, amount };
  });
  return { rows, amount: rows.reduce((s, r) => s + r.amount, 0n) };
}

/**
 * Refunds a paid order, in whole or in part (see the module's comment): the refund's amount is
 * split over the captured tenders **in the order they were taken** (each up to what it has not
 * given back yet), each part refunded in payments with its own key; then, in one transaction, the
 * refund is `refunded` and the stock comes back as the business's `restockOnRefund` says.
 */
export async function refundOrder(
  em: EntityManager,
  payments: PaymentsClient,
  caller: Caller,
  orderId: string,
  input: RefundInput,
): Promise<RefundResult> {
  // 1. The refund and its parts per tender, pending, under the order's lock (the cap holds here).
  const refund = await em.transactional(async (tx) => {
    const order = await lockOrder(tx, orderId);
    const refunds = await tx.find(OrderRefund, { orderId }, { orderBy: { id: 'asc' }, refresh: true });
    const mine = refunds.find((r) => r.requestKey === caller.requestKey);
    if (mine) return mine;
    if (refunds.some((r) => r.status === 'pending'))
      throw new DomainError(
        'PAYMENT_IN_PROGRESS',
        "Another refund of this order is still going through payments: its request's retry completes it",
      );
    if (order.status !== 'paid')
      throw new DomainError('INVALID_STATE_TRANSITION', `A ${order.status} order is not refunded`, {
        field: 'status',
      });
    if (input.lines && input.amount !== undefined)
      throw new DomainError('EXACTLY_ONE_REQUIRED', 'Refund lines or an amount, not both', {
        field: 'body.amount',
      });
    const tenders = await tx.find(
      OrderTender,
      { orderId, status: { $in: ['captured', 'refunded'] } },
      { orderBy: { id: 'asc' }, refresh: true },
    );
    const left = sum(tenders, ['captured', 'refunded']) - refunds.reduce((s, r) => s + r.amount, 0n);
    const priced = input.lines ? await priceRefundLines(tx, orderId, input.lines) : null;
    const kind: RefundKind = priced ? 'lines' : input.amount !== undefined ? 'amount' : 'whole';
    const amount = priced?.amount ?? input.amount ?? left;
    if (amount <= 0n || amount > left)
      throw new DomainError(
        'REFUND_EXCEEDS_PAID',
        left > 0n
          ? `${left} ${order.currency} of what the order's tenders took is left to refund`
          : "Everything the order's tenders took was refunded already",
        kind === 'whole' ? {} : { field: kind === 'lines' ? 'body.lines' : 'body.amount' },
      );
    const id = uuidv7();
    const r = tx.create(OrderRefund, {
      id,
      orderId,
      branchId: order.branchId,
      kind,
      reason: input.reason,
      amount,
      currency: order.currency,
      restock: (await getPaymentSettings(tx)).restockOnRefund,
      status: 'pending',
      requestKey: caller.requestKey,
      createdBy: caller.userId,
    });
    for (const row of priced?.rows ?? [])
      tx.create(OrderRefundLine, { refundId: id, orderId, ...row, createdBy: caller.userId });
    let rest = amount;
    for (const t of tenders) {
      const part = t.amount - t.refundedAmount < rest ? t.amount - t.refundedAmount : rest;
      if (part <= 0n) continue;
      tx.create(OrderRefundTender, {
        refundId: id,
        tenderId: t.id,
        amount: part,
        paymentKey: refundKey(orderId, id, t.id),
        status: 'pending',
        createdBy: caller.userId,
      });
      rest -= part;
    }
    return r;
  });
  // 2. Each part refunded in payments (a retry asks again with the same key: payments replays).
  const parts = await em.find(
    OrderRefundTender,
    { refundId: refund.id, status: 'pending' },
    { orderBy: { id: 'asc' }, refresh: true },
  );
  const tenders = parts.length
    ? await em.find(OrderTender, { id: { $in: parts.map((p) => p.tenderId) } })
    : [];
  for (const part of parts) {
    const t = tenders.find((x) => x.id === part.tenderId)!;
    await payments.refund(
      caller.token,
      part.paymentKey,
      t.paymentId!,
      {
        amount: part.amount,
        reason: refund.reason,
        drawerId: t.method === 'cash' ? input.drawerId : undefined,
      },
      (f) => (f === 'body.drawerId' ? f : undefined),
    );
    await em.transactional(async (tx) => {
      const p = await tx.findOneOrFail(
        OrderRefundTender,
        { id: part.id },
        { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
      );
      if (p.status !== 'pending') return;
      p.status = 'refunded';
      const locked = await tx.findOneOrFail(
        OrderTender,
        { id: t.id },
        { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
      );
      locked.refundedAmount += p.amount;
      if (locked.refundedAmount === locked.amount) locked.status = 'refunded';
    });
  }
  // 3. All given back: the refund done and its stock back, in one transaction (once).
  return em.transactional(async (tx) => {
    const r = await tx.findOneOrFail(
      OrderRefund,
      { id: refund.id },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    const order = await tx.findOneOrFail(Order, { id: orderId }, { refresh: true });
    const alerts: InventoryAlert[] = [];
    if (
      r.status === 'pending' &&
      !(await tx.count(OrderRefundTender, { refundId: r.id, status: 'pending' }))
    ) {
      if (r.restock) alerts.push(...(await restock(tx, order, r)));
      r.status = 'refunded';
      r.refundedAt = new Date();
    }
    return { order, refund: r, alerts };
  });
}

/**
 * What a refund gives back to stock: `whole` — what is left of the order's sale; `lines` — the
 * recipes of the units refunded; `amount` — nothing. An even part's share line (refunded whole or
 * named) gives back its share of the original's sale (`restockShare`).
 */
async function restock(tx: EntityManager, order: Order, r: OrderRefund): Promise<InventoryAlert[]> {
  if (r.kind === 'amount') return [];
  const alerts: InventoryAlert[] = [];
  const lines = await tx.find(OrderLine, { orderId: order.id });
  const share = order.splitFromId ? lines.find((l) => l.kind === 'share') : undefined;
  const refunded = await tx.find(OrderRefundLine, { orderId: order.id });
  const mine = refunded.filter((l) => l.refundId === r.id);
  const reference = saleReference(order.id);
  if (r.kind === 'whole') alerts.push(...(await restockForRefund(tx, { reference })).alerts);
  else {
    const stock: StockLine[] = [];
    for (const rl of mine) {
      const l = lines.find((x) => x.id === rl.lineId)!;
      if (l.kind === 'item')
        stock.push(
          ...(await recipeStockLines(tx, {
            productId: l.productId!,
            variantId: l.variantId ?? null,
            modifierIds: l.modifiers.map((m) => m.id),
            quantity: rl.quantity,
          })),
        );
    }
    if (stock.length) alerts.push(...(await restockForRefund(tx, { reference, lines: stock })).alerts);
  }
  const shareNow =
    share &&
    (r.kind === 'whole'
      ? !refunded.some((l) => l.lineId === share.id && l.refundId !== r.id)
      : mine.some((l) => l.lineId === share.id));
  if (shareNow) alerts.push(...(await restockShare(tx, order)));
  return alerts;
}
