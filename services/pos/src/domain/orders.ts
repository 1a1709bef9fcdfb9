/**
 * Orders of a branch (see order-entities.ts and order-totals.ts for the money).
 *
 * - States: `open → sent → preparing → ready → served → paid`, or `cancelled` from any state
 *   before paid. Every change locks the order row (`select … for update`) and checks the state it
 *   moves from (409 INVALID_STATE_TRANSITION otherwise); the kitchen moves `sent → preparing →
 *   ready` (`kitchenProgress`, never backwards), the payments part `→ paid` (`markPaid`).
 * - Lines are added while the order is open or with the kitchen (a **second round**: sending again
 *   routes only the lines not sent yet, and the order goes back to `sent`, or `preparing` when the
 *   kitchen has started any of its live items); their price, tax and modifiers are read from the menu
 *   at that moment and kept on the line. A line not sent yet is removed; a sent one is **voided**
 *   (`orders.void`, a reason): it stays with `voided_at`/`void_reason`/`voided_by`, counts in no
 *   total, takes no stock, and its station gets a cancel ticket. Voiding the last live line cancels
 *   the order (its reason: the void's).
 * - A dine-in order holds its table: the table is `occupied` while one of its orders is open and
 *   `available` when the last one is paid, cancelled, split or merged away (in the same
 *   transaction, under the table row's lock; a table out of service takes no orders).
 */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DateTime } from 'luxon';
import { DomainError, notFound } from '@faena/platform';
import { DiningTable } from './floor-entities.ts';
import { routeToStations, type KitchenRouted } from './kitchen.ts';
import { KitchenTicket, KitchenTicketItem } from './kitchen-entities.ts';
import { OrderTender } from './order-payments-entities.ts';
import {
  AvailabilityWindow,
  BranchProduct,
  Category,
  Modifier,
  ModifierGroup,
  Product,
  ProductVariant,
} from './menu-entities.ts';
import { availableAt, branchSettings } from './menu.ts';
import {
  OPEN_STATUSES,
  Order,
  SENT_STATUSES,
  OrderLine,
  OrderSettings,
  type DiscountKind,
  type LineModifier,
  type OrderKind,
  type OrderStatus,
} from './order-entities.ts';
import { allocate, computeOrder, discountOf, evenly, type Discount } from './order-totals.ts';
import { enforceOrderLimit, type PlanScope } from './plan-limits.ts';

export interface OrderInput {
  branchId: string;
  kind: OrderKind;
  tableId?: string;
  guests?: number;
  customerName?: string;
  deliveryAddress?: string;
  deliveryPhone?: string;
  notes?: string;
}
export interface LineInput {
  productId: string;
  variantId?: string;
  modifierIds?: string[];
  quantity: number;
  notes?: string;
}
export interface DiscountInput {
  kind: DiscountKind;
  value: number;
}

const money = (n: bigint) => n.toString();

/** The short number staff and tickets call an order by (the id's last six hex digits). */
export const orderNumber = (o: { id: string }) => o.id.replace(/-/g, '').slice(-6).toUpperCase();

export const presentLine = (l: OrderLine) => ({
  id: l.id,
  kind: l.kind,
  productId: l.productId ?? null,
  variantId: l.variantId ?? null,
  modifiers: l.modifiers.map((m) => ({ id: m.id, name: m.name, priceDelta: String(m.priceDelta) })),
  name: l.name,
  notes: l.notes,
  quantity: l.quantity,
  unitPrice: money(l.unitPrice),
  taxRateBp: l.taxRateBp,
  taxInclusive: l.taxInclusive,
  discount: l.discountKind ? { kind: l.discountKind, value: money(l.discountValue!) } : null,
  gross: money(l.gross),
  discountAmount: money(l.discount),
  tax: money(l.tax),
  total: money(l.total),
  sentAt: l.sentAt?.toISOString() ?? null,
  voidedAt: l.voidedAt?.toISOString() ?? null,
  voidReason: l.voidReason ?? null,
  voidedBy: l.voidedBy ?? null,
});

export const presentOrder = (o: Order, lines: OrderLine[]) => ({
  id: o.id,
  number: orderNumber(o),
  branchId: o.branchId,
  kind: o.kind,
  tableId: o.tableId ?? null,
  guests: o.guests ?? null,
  customerName: o.customerName ?? null,
  deliveryAddress: o.deliveryAddress ?? null,
  deliveryPhone: o.deliveryPhone ?? null,
  notes: o.notes,
  status: o.status,
  currency: o.currency,
  discount: o.discountKind ? { kind: o.discountKind, value: money(o.discountValue!) } : null,
  subtotal: money(o.subtotal),
  discountTotal: money(o.discountTotal),
  taxTotal: money(o.taxTotal),
  tip: money(o.tip),
  total: money(o.total),
  cancelReason: o.cancelReason ?? null,
  splitFromId: o.splitFromId ?? null,
  mergedIntoId: o.mergedIntoId ?? null,
  paymentRef: o.paymentRef ?? null,
  lines: lines.filter((l) => l.orderId === o.id).map(presentLine),
  sentAt: o.sentAt?.toISOString() ?? null,
  servedAt: o.servedAt?.toISOString() ?? null,
  paidAt: o.paidAt?.toISOString() ?? null,
  cancelledAt: o.cancelledAt?.toISOString() ?? null,
  createdAt: o.createdAt.toISOString(),
  updatedAt: o.updatedAt.toISOString(),
});

export const linesOf = (em: EntityManager, orders: Order[]) =>
  orders.length
    ? em.find(
        OrderLine,
        { orderId: { $in: orders.map((o) => o.id) } },
        { orderBy: { position: 'asc', id: 'asc' } },
      )
    : Promise.resolve([]);

export async function loadOrder(em: EntityManager, id: string): Promise<Order> {
  const o = await em.findOne(Order, { id });
  if (!o) throw notFound('Order');
  return o;
}

/** The order row locked for this transaction (fresh from the database). */
export async function lockOrder(em: EntityManager, id: string): Promise<Order> {
  const o = await em.findOne(Order, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  if (!o) throw notFound('Order');
  return o;
}

const transition = (o: Order, to: OrderStatus, from: readonly OrderStatus[]) => {
  if (!from.includes(o.status))
    throw new DomainError('INVALID_STATE_TRANSITION', `An order ${o.status} cannot become ${to}`);
  o.status = to;
};

// ---------------------------------------------------------------------------------------------
// Tables

async function lockTable(em: EntityManager, tableId: string): Promise<DiningTable | null> {
  return em.findOne(DiningTable, { id: tableId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
}

/**
 * Sets a table's status from its open orders (occupied while one is open, available when none;
 * out of service stays). Call after the orders' changes are flushed, in their transaction.
 */
export async function syncTable(em: EntityManager, tableId: string | null | undefined): Promise<void> {
  if (!tableId) return;
  const t = await lockTable(em, tableId);
  if (!t || t.status === 'out_of_service') return;
  const open = await em.count(Order, { tableId, status: { $in: [...OPEN_STATUSES] } });
  const status = open > 0 ? 'occupied' : 'available';
  if (t.status !== status) {
    t.status = status;
    await em.flush();
  }
}

// ---------------------------------------------------------------------------------------------
// Totals

const lineDiscount = (l: OrderLine): Discount | null =>
  l.discountKind ? { kind: l.discountKind, value: l.discountValue! } : null;
const orderDiscount = (o: Order): Discount | null =>
  o.discountKind ? { kind: o.discountKind, value: o.discountValue! } : null;

/** The lines that count: not voided. */
const live = (lines: OrderLine[]) => lines.filter((l) => !l.voidedAt);

/**
 * Recomputes and stores the money of `o` and its `lines` (they must be all of its lines). Voided
 * lines count in nothing and keep the money they had when voided (what the void took off).
 */
export function recompute(o: Order, all: OrderLine[]): void {
  const lines = live(all);
  const m = computeOrder(
    lines.map((l) => ({
      kind: l.kind,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      taxRateBp: l.taxRateBp,
      taxInclusive: l.taxInclusive,
      discount: lineDiscount(l),
      fixedTax: l.tax,
    })),
    orderDiscount(o),
    o.tip,
  );
  lines.forEach((l, i) => Object.assign(l, m.lines[i]));
  o.subtotal = m.subtotal;
  o.discountTotal = m.discount;
  o.taxTotal = m.tax;
  o.total = m.total;
}

export interface OrderTotals {
  subtotal: bigint;
  discount: bigint;
  tax: bigint;
  tip: bigint;
  total: bigint;
  currency: string;
}

/** The order's stored totals (minor units; `total` includes the tip). */
export async function orderTotals(em: EntityManager, orderId: string): Promise<OrderTotals> {
  const o = await loadOrder(em, orderId);
  return {
    subtotal: o.subtotal,
    discount: o.discountTotal,
    tax: o.taxTotal,
    tip: o.tip,
    total: o.total,
    currency: o.currency,
  };
}

/** The live item lines of an order as the recipes read a sale (for `recipeStockLines`). */
export async function orderItemsForStock(em: EntityManager, orderId: string) {
  const lines = await em.find(
    OrderLine,
    { orderId, kind: 'item', voidedAt: null },
    { orderBy: { position: 'asc' } },
  );
  return lines.map((l) => ({
    productId: l.productId!,
    variantId: l.variantId ?? null,
    modifierIds: l.modifiers.map((m) => m.id),
    quantity: l.quantity,
  }));
}

// ---------------------------------------------------------------------------------------------
// Creating an order and its lines

/** Dine-in takes a table and guests, delivery an address and a phone, takeaway neither (422 ORDER_KIND_FIELDS). */
function assertKindFields(input: OrderInput): void {
  const fields = {
    dine_in: ['tableId', 'guests'],
    takeaway: [],
    delivery: ['deliveryAddress', 'deliveryPhone'],
  };
  const own: string[] = fields[input.kind];
  const all = ['tableId', 'guests', 'deliveryAddress', 'deliveryPhone'] as const;
  for (const f of all) {
    const given = input[f] !== undefined && input[f] !== null;
    if (given !== own.includes(f))
      throw new DomainError(
        'ORDER_KIND_FIELDS',
        given ? `A ${input.kind} order takes no ${f}` : `A ${input.kind} order needs its ${f}`,
        { field: `body.${f}` },
      );
  }
}

export async function createOrder(em: EntityManager, input: OrderInput, plan?: PlanScope): Promise<Order> {
  assertKindFields(input);
  return em.transactional(async (tx) => {
    // The SaaS plan's orders a month (403 PLAN_LIMIT_REACHED); the route always passes it.
    if (plan) await enforceOrderLimit(tx, plan);
    const price = await tx.findOne(BranchProduct, { branchId: input.branchId });
    if (!price)
      throw new DomainError('PRICE_NOT_SET', 'The branch sells nothing yet: price its menu first', {
        field: 'body.branchId',
      });
    if (input.kind === 'dine_in') {
      const t = await lockTable(tx, input.tableId!);
      if (!t || t.branchId !== input.branchId)
        throw new DomainError('UNKNOWN_REFERENCE', 'No such table in this branch', { field: 'body.tableId' });
      if (t.status === 'out_of_service' || !t.active)
        throw new DomainError('TABLE_OUT_OF_SERVICE', 'That table is out of service', {
          field: 'body.tableId',
        });
    }
    const o = tx.create(Order, {
      branchId: input.branchId,
      kind: input.kind,
      tableId: input.kind === 'dine_in' ? input.tableId : null,
      guests: input.kind === 'dine_in' ? input.guests : null,
      customerName: input.customerName ?? null,
      deliveryAddress: input.kind === 'delivery' ? input.deliveryAddress : null,
      deliveryPhone: input.kind === 'delivery' ? input.deliveryPhone : null,
      notes: input.notes ?? '',
      currency: price.currency,
    });
    await tx.flush();
    await syncTable(tx, o.tableId);
    return o;
  });
}

const invalidModifiers = (message: string) =>
  new DomainError('MODIFIERS_INVALID', message, { field: 'body.modifierIds' });

/**
 * Prices a line from the menu as the branch sells it now: the product must be active, priced in the
 * branch, not 86'd and inside its availability windows (422 NOT_ORDERABLE); a product with variants
 * needs one of them (422 VARIANT_REQUIRED); the modifiers must be the product's, once each, within
 * every group's min/max (422 MODIFIERS_INVALID).
 */
async function priceLine(em: EntityManager, o: Order, input: LineInput, at: Date) {
  const product = await em.findOne(Product, { id: input.productId });
  if (!product) throw new DomainError('UNKNOWN_REFERENCE', 'No such product', { field: 'body.productId' });
  const price = await em.findOne(BranchProduct, { productId: product.id, branchId: o.branchId });
  const notOrderable = (why: string) =>
    new DomainError('NOT_ORDERABLE', `${product.name} ${why}`, { field: 'body.productId' });
  if (!product.active || !price) throw notOrderable('is not sold in this branch');
  if (price.outOfStock) throw notOrderable('is out of stock today');
  const windows = await em.find(AvailabilityWindow, { productId: product.id });
  if (windows.length) {
    const zone = (await branchSettings(em, o.branchId)).timeZone;
    if (!availableAt(windows, DateTime.fromJSDate(at).setZone(zone)))
      throw notOrderable('is not served at this hour');
  }
  const variants = await em.find(ProductVariant, { productId: product.id, active: true });
  let variant: ProductVariant | undefined;
  if (variants.length || input.variantId) {
    variant = variants.find((v) => v.id === input.variantId);
    if (!variant)
      throw new DomainError(
        'VARIANT_REQUIRED',
        variants.length ? `Choose one of the variants of ${product.name}` : `${product.name} has no variants`,
        { field: 'body.variantId' },
      );
  }
  const ids = input.modifierIds ?? [];
  if (new Set(ids).size !== ids.length) throw invalidModifiers('A modifier is chosen once');
  const groups = await em.find(ModifierGroup, { productId: product.id }, { orderBy: { position: 'asc' } });
  const modifiers = groups.length
    ? await em.find(Modifier, { groupId: { $in: groups.map((g) => g.id) }, active: true })
    : [];
  const chosen = ids.map((id) => {
    const m = modifiers.find((x) => x.id === id);
    if (!m) throw invalidModifiers(`A modifier that is not one of ${product.name}'s`);
    return m;
  });
  for (const g of groups) {
    const n = chosen.filter((m) => m.groupId === g.id).length;
    if (n < g.minChoices || n > g.maxChoices)
      throw invalidModifiers(
        g.minChoices === g.maxChoices
          ? `${g.name}: choose ${g.minChoices}`
          : `${g.name}: choose between ${g.minChoices} and ${g.maxChoices}`,
      );
  }
  const category = await em.findOneOrFail(Category, { id: product.categoryId });
  const lineModifiers: LineModifier[] = chosen.map((m) => ({
    id: m.id,
    groupId: m.groupId,
    name: m.name,
    priceDelta: Number(m.priceDelta),
  }));
  return {
    productId: product.id,
    variantId: variant?.id ?? null,
    name: variant ? `${product.name} (${variant.name})` : product.name,
    modifiers: lineModifiers,
    unitPrice: price.price + (variant?.priceDelta ?? 0n) + chosen.reduce((a, m) => a + m.priceDelta, 0n),
    taxRateBp: product.taxRateBp ?? category.taxRateBp,
    taxInclusive: product.taxInclusive ?? category.taxInclusive,
  };
}

/** Lines are added (a second round once sent) and unsent ones removed until the order is paid or cancelled. */
const mustTakeLines = (o: Order) => {
  if (!OPEN_STATUSES.includes(o.status))
    throw new DomainError('INVALID_STATE_TRANSITION', `An order ${o.status} takes no more lines`);
};

/**
 * Refuses (409 INVALID_STATE_TRANSITION) a change that would leave the order's total below what its
 * tenders already took (captured or still pending): refund them first.
 */
async function assertCoversTenders(em: EntityManager, o: Order): Promise<void> {
  const tenders = await em.find(OrderTender, { orderId: o.id, status: { $in: ['pending', 'captured'] } });
  const taken = tenders.reduce((a, t) => a + t.amount, 0n);
  if (taken > o.total)
    throw new DomainError(
      'INVALID_STATE_TRANSITION',
      `The order's tenders already took ${taken}: its total cannot drop to ${o.total}`,
    );
}

export async function addLine(em: EntityManager, orderId: string, input: LineInput, at = new Date()) {
  return em.transactional(async (tx) => {
    const o = await lockOrder(tx, orderId);
    mustTakeLines(o);
    const priced = await priceLine(tx, o, input, at);
    const lines = await linesOf(tx, [o]);
    const line = tx.create(OrderLine, {
      orderId: o.id,
      kind: 'item',
      ...priced,
      notes: input.notes ?? '',
      quantity: input.quantity,
      position: lines.reduce((max, l) => Math.max(max, l.position + 1), 0),
    });
    recompute(o, [...lines, line]);
    await tx.flush();
    return o;
  });
}

export async function removeLine(em: EntityManager, orderId: string, lineId: string) {
  return em.transactional(async (tx) => {
    const o = await lockOrder(tx, orderId);
    const lines = await linesOf(tx, [o]);
    const line = lines.find((l) => l.id === lineId);
    if (!line) throw notFound('Order line');
    mustTakeLines(o);
    if (line.sentAt)
      throw new DomainError(
        'INVALID_STATE_TRANSITION',
        'The kitchen has this line: void it (orders.void) instead of removing it',
      );
    tx.remove(line);
    recompute(
      o,
      lines.filter((l) => l !== line),
    );
    await assertCoversTenders(tx, o);
    await tx.flush();
    return o;
  });
}

// ---------------------------------------------------------------------------------------------
// Discounts and tips

export async function orderSettings(em: EntityManager): Promise<{ discountThresholdBp: number }> {
  const s = await em.findOne(OrderSettings, {});
  return { discountThresholdBp: s?.discountThresholdBp ?? 1000 };
}

export async function setOrderSettings(em: EntityManager, input: { discountThresholdBp: number }) {
  const s = (await em.findOne(OrderSettings, {})) ?? em.create(OrderSettings, input);
  s.discountThresholdBp = input.discountThresholdBp;
  await em.flush();
  return { discountThresholdBp: s.discountThresholdBp };
}

/**
 * Sets (or with `discount: null` removes) the discount of the order (`lineId` absent) or of one of
 * its lines, while the order is not closed. A discount taking more than the business's threshold
 * (basis points of what it applies to: the line's gross, or the lines' net for the order's) needs
 * `orders.discount` (`canApprove`; 403 DISCOUNT_NEEDS_APPROVAL); an amount above what it applies to
 * is 422 DISCOUNT_TOO_LARGE.
 */
export async function setDiscount(
  em: EntityManager,
  orderId: string,
  input: { lineId?: string; discount: DiscountInput | null },
  canApprove: boolean,
) {
  return em.transactional(async (tx) => {
    const o = await lockOrder(tx, orderId);
    const lines = await linesOf(tx, [o]);
    const line = input.lineId ? lines.find((l) => l.id === input.lineId) : undefined;
    if (input.lineId && !line)
      throw new DomainError('UNKNOWN_REFERENCE', 'No such line in this order', { field: 'body.lineId' });
    if (!OPEN_STATUSES.includes(o.status))
      throw new DomainError('INVALID_STATE_TRANSITION', `An order ${o.status} takes no discounts`);
    if (line && line.kind !== 'item')
      throw new DomainError('UNKNOWN_REFERENCE', 'A part of a split bill takes no discount', {
        field: 'body.lineId',
      });
    if (line?.voidedAt)
      throw new DomainError('UNKNOWN_REFERENCE', 'A voided line takes no discount', { field: 'body.lineId' });
    const d = input.discount ? { kind: input.discount.kind, value: BigInt(input.discount.value) } : null;
    if (d?.kind === 'percent' && d.value > 10_000n)
      throw new DomainError('DISCOUNT_TOO_LARGE', 'A discount takes at most 100 % (10000 basis points)', {
        field: 'body.discount.value',
      });
    if (line) {
      line.discountKind = d?.kind ?? null;
      line.discountValue = d?.value ?? null;
    } else {
      o.discountKind = d?.kind ?? null;
      o.discountValue = d?.value ?? null;
    }
    if (d) {
      const base = line
        ? line.unitPrice * BigInt(line.quantity)
        : live(lines)
            .filter((l) => l.kind === 'item')
            .reduce(
              (a, l) =>
                a +
                l.unitPrice * BigInt(l.quantity) -
                discountOf(lineDiscount(l), l.unitPrice * BigInt(l.quantity)),
              0n,
            );
      if (d.kind === 'amount' && d.value > base)
        throw new DomainError('DISCOUNT_TOO_LARGE', 'The discount is larger than what it applies to', {
          field: 'body.discount.value',
        });
      const { discountThresholdBp } = await orderSettings(tx);
      const amount = discountOf(d, base);
      if (!canApprove && amount * 10_000n > base * BigInt(discountThresholdBp))
        throw new DomainError(
          'DISCOUNT_NEEDS_APPROVAL',
          `A discount above ${discountThresholdBp / 100}% needs a manager (orders.discount)`,
          { field: 'body.discount' },
        );
    }
    recompute(o, lines);
    await assertCoversTenders(tx, o);
    await tx.flush();
    return o;
  });
}

export async function setTip(em: EntityManager, orderId: string, tip: number) {
  return em.transactional(async (tx) => {
    const o = await lockOrder(tx, orderId);
    if (!OPEN_STATUSES.includes(o.status))
      throw new DomainError('INVALID_STATE_TRANSITION', `An order ${o.status} takes no tip`);
    o.tip = BigInt(tip);
    recompute(o, await linesOf(tx, [o]));
    await assertCoversTenders(tx, o);
    await tx.flush();
    return o;
  });
}

// ---------------------------------------------------------------------------------------------
// States

/** The kitchen lines of `lines` for `routeToStations` (their products' categories decide the station). */
async function kitchenLines(em: EntityManager, lines: OrderLine[]) {
  const products = await em.find(Product, { id: { $in: [...new Set(lines.map((l) => l.productId!))] } });
  return lines.map((l) => ({
    lineId: l.id,
    categoryId: products.find((p) => p.id === l.productId)!.categoryId,
    name: l.name,
    quantity: l.quantity,
    modifiers: l.modifiers.map((m) => m.name),
    notes: l.notes || null,
  }));
}

const kitchenInput = async (em: EntityManager, o: Order) => ({
  orderId: o.id,
  branchId: o.branchId,
  orderNumber: orderNumber(o),
  tableLabel: o.tableId ? ((await em.findOne(DiningTable, { id: o.tableId }))?.name ?? null) : null,
});

/** Whether the kitchen has started any live item of the order's tickets (a bump past `queued`). */
async function kitchenStarted(em: EntityManager, orderId: string): Promise<boolean> {
  const tickets = await em.find(KitchenTicket, { orderId, kind: 'order' });
  if (!tickets.length) return false;
  const started = await em.count(KitchenTicketItem, {
    ticketId: { $in: tickets.map((t) => t.id) },
    status: { $in: ['preparing', 'ready'] },
  });
  return started > 0;
}

/**
 * Sends the order's lines not sent yet to the kitchen's stations (the kitchen part's
 * `routeToStations`, in this transaction) and stamps them. `open → sent`; an order already with
 * the kitchen (`sent | preparing | ready | served`) takes a **second round**: it goes back to
 * `sent`, or to `preparing` when the kitchen has started any of its live items (so the kitchen's
 * `ready` moves it on when the new round is done too). An open order without lines is 422
 * ORDER_EMPTY; a sent one with nothing new 409 INVALID_STATE_TRANSITION. The caller announces
 * `routed` to the stations' rooms after commit.
 */
export async function sendOrder(
  em: EntityManager,
  orderId: string,
  actor: { userId?: string | null } = {},
): Promise<{ order: Order; routed: KitchenRouted | null; sentBy: string | null }> {
  const o = await lockOrder(em, orderId);
  const lines = await linesOf(em, [o]);
  if (o.status === 'open' && !live(lines).length)
    throw new DomainError('ORDER_EMPTY', 'Add a line before sending the order');
  // Lines merged in from a bill already sent went to the kitchen with it: only the others are routed.
  const items = live(lines).filter((l) => l.kind === 'item' && !l.sentAt);
  if (o.status !== 'open' && !items.length)
    throw new DomainError(
      'INVALID_STATE_TRANSITION',
      OPEN_STATUSES.includes(o.status)
        ? 'Every line of the order was sent already: add a new round first'
        : `An order ${o.status} cannot be sent`,
    );
  const next = o.status !== 'open' && (await kitchenStarted(em, o.id)) ? 'preparing' : 'sent';
  transition(o, next, ['open', ...SENT_STATUSES]);
  const now = new Date();
  o.sentAt ??= now;
  for (const l of items) l.sentAt = now;
  await em.flush();
  const routed = items.length
    ? await routeToStations(em, {
        ...(await kitchenInput(em, o)),
        kind: 'order',
        lines: await kitchenLines(em, items),
      })
    : null;
  return { order: o, routed, sentBy: actor.userId ?? null };
}

/**
 * Voids a sent line of an order the kitchen has (not paid or cancelled: 409 otherwise; a line not
 * sent yet is removed, 409; a voided one 409): it stays, with its reason and who voided it, and
 * counts in no total and no stock. In the same transaction the kitchen writes a cancel ticket for
 * the station(s) that received it (`routeToStations`, `kind: 'cancel'`); when that leaves every
 * live item ready the order moves to `ready`. Voiding the order's last live line cancels the order
 * (with the void's reason) and frees its table. A void that would leave the total below what the
 * tenders already took is 409. The caller announces `routed` after commit.
 */
export async function voidLine(
  em: EntityManager,
  orderId: string,
  lineId: string,
  input: { reason: string; userId: string },
): Promise<{ order: Order; routed: KitchenRouted; cancelled: boolean }> {
  const o = await lockOrder(em, orderId);
  const lines = await linesOf(em, [o]);
  const line = lines.find((l) => l.id === lineId);
  if (!line) throw notFound('Order line');
  if (!OPEN_STATUSES.includes(o.status))
    throw new DomainError('INVALID_STATE_TRANSITION', `A line of an order ${o.status} is not voided`);
  if (line.voidedAt) throw new DomainError('INVALID_STATE_TRANSITION', 'The line is voided already');
  if (line.kind !== 'item')
    throw new DomainError('INVALID_STATE_TRANSITION', 'A part of a split bill is cancelled, not voided');
  if (!line.sentAt)
    throw new DomainError('INVALID_STATE_TRANSITION', 'The kitchen does not have this line yet: remove it');
  line.voidedAt = new Date();
  line.voidReason = input.reason;
  line.voidedBy = input.userId;
  recompute(o, lines);
  await assertCoversTenders(em, o);
  await em.flush();
  const routed = await routeToStations(em, {
    ...(await kitchenInput(em, o)),
    kind: 'cancel',
    lines: await kitchenLines(em, [line]),
  });
  const cancelled = !live(lines).length;
  if (cancelled) {
    close(o, input.reason);
    await em.flush();
    await syncTable(em, o.tableId);
  } else if (routed.progress.includes('ready')) await kitchenProgress(em, o.id, 'ready');
  return { order: o, routed, cancelled };
}

/** The kitchen's progress: `sent → preparing → ready`, never backwards; any other state is left as is. */
export async function kitchenProgress(
  em: EntityManager,
  orderId: string,
  status: 'preparing' | 'ready',
): Promise<void> {
  const o = await em.findOne(Order, { id: orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  if (!o) return;
  const from: OrderStatus[] = status === 'preparing' ? ['sent'] : ['sent', 'preparing'];
  if (!from.includes(o.status)) return;
  o.status = status;
  await em.flush();
}

/** `sent | preparing | ready → served` (the waiter brought it). */
export async function serveOrder(em: EntityManager, orderId: string) {
  return em.transactional(async (tx) => {
    const o = await lockOrder(tx, orderId);
    transition(o, 'served', ['sent', 'preparing', 'ready']);
    o.servedAt = new Date();
    await tx.flush();
    return o;
  });
}

/** `served | ready | sent → paid`, inside the caller's (the payment's) transaction; frees the table. */
export async function markPaid(em: EntityManager, orderId: string, paymentRef: string): Promise<Order> {
  const o = await lockOrder(em, orderId);
  transition(o, 'paid', ['served', 'ready', 'sent', 'preparing']);
  o.paidAt = new Date();
  o.paymentRef = paymentRef;
  await em.flush();
  await syncTable(em, o.tableId);
  return o;
}

const close = (o: Order, reason: string) => {
  transition(o, 'cancelled', OPEN_STATUSES);
  o.cancelReason = reason;
  o.cancelledAt = new Date();
};

/** Any state before paid → `cancelled`, with its reason (`orders.cancel`); frees the table. */
/**
 * Cancels an order that is not paid. Lines the kitchen has (sent, not voided) get their cancel
 * tickets in the same transaction, as a void does, so no station keeps cooking a cancelled order:
 * the caller announces `routed` after the commit.
 */
export async function cancelOrder(
  em: EntityManager,
  orderId: string,
  reason: string,
): Promise<{ order: Order; routed: KitchenRouted | null }> {
  return em.transactional(async (tx) => {
    const o = await lockOrder(tx, orderId);
    close(o, reason);
    await tx.flush();
    const sent = live(await linesOf(tx, [o])).filter((l) => l.kind === 'item' && l.sentAt);
    const routed = sent.length
      ? await routeToStations(tx, {
          ...(await kitchenInput(tx, o)),
          kind: 'cancel',
          lines: await kitchenLines(tx, sent),
        })
      : null;
    await syncTable(tx, o.tableId);
    return { order: o, routed };
  });
}

// ---------------------------------------------------------------------------------------------
// Split and merge

const copyOf = (tx: EntityManager, o: Order, tip: bigint) =>
  tx.create(Order, {
    branchId: o.branchId,
    kind: o.kind,
    tableId: o.tableId ?? null,
    guests: o.guests ?? null,
    customerName: o.customerName ?? null,
    deliveryAddress: o.deliveryAddress ?? null,
    deliveryPhone: o.deliveryPhone ?? null,
    notes: o.notes,
    status: o.status,
    currency: o.currency,
    tip,
    splitFromId: o.id,
    sentAt: o.sentAt ?? null,
    servedAt: o.servedAt ?? null,
  });

export type SplitInput = { mode: 'lines'; groups: string[][] } | { mode: 'even'; parts: number };

/**
 * Splits an open (not paid, not cancelled) bill into new orders whose totals add up exactly to its
 * own; the original ends `cancelled` ("split") and the new ones carry `splitFromId` and its state.
 *
 * - `lines`: every live (not voided) line goes to exactly one group (422 SPLIT_MISMATCH otherwise; at least two
 *   groups). The lines move as they are: each line's discount (its own and its part of the order's)
 *   is fixed on it as an amount first, so every line keeps its gross, discount, tax and total; the
 *   tip is spread over the new orders in proportion to their totals (largest remainder).
 * - `even`: `parts` new orders each with one share line; the total before tip, the tax and the tip
 *   are each divided in `parts` amounts that differ by at most one cent, the extra cents on the
 *   first parts (1000 in 3: 334 + 333 + 333). The original keeps its item lines (recipes, kitchen).
 */
export async function splitOrder(em: EntityManager, orderId: string, input: SplitInput): Promise<Order[]> {
  return em.transactional(async (tx) => {
    const o = await lockOrder(tx, orderId);
    // Voided lines stay on the original: the parts share what counts.
    const lines = live(await linesOf(tx, [o]));
    if (!OPEN_STATUSES.includes(o.status))
      throw new DomainError('INVALID_STATE_TRANSITION', `An order ${o.status} cannot be split`);
    if (await tx.count(OrderTender, { orderId: o.id, status: { $in: ['pending', 'captured'] } }))
      throw new DomainError('INVALID_STATE_TRANSITION', 'A bill with tenders taken is not split');
    if (!lines.length) throw new DomainError('ORDER_EMPTY', 'An order without lines has nothing to split');
    const children: Order[] = [];
    if (input.mode === 'lines') {
      const all = input.groups.flat();
      if (
        all.length !== lines.length ||
        new Set(all).size !== all.length ||
        !all.every((id) => lines.some((l) => l.id === id)) ||
        input.groups.some((g) => !g.length)
      )
        throw new DomainError('SPLIT_MISMATCH', 'Every line of the order goes to exactly one part', {
          field: 'body.groups',
        });
      const groupTotals = input.groups.map((g) =>
        g.reduce((a, id) => a + lines.find((l) => l.id === id)!.total, 0n),
      );
      const tips = allocate(o.tip, groupTotals);
      input.groups.forEach((g, i) => {
        const child = copyOf(tx, o, tips[i]!);
        const mine = g.map((id) => lines.find((l) => l.id === id)!);
        for (const l of mine) {
          l.orderId = child.id;
          l.discountKind = l.kind === 'item' && l.discount > 0n ? 'amount' : null;
          l.discountValue = l.kind === 'item' && l.discount > 0n ? l.discount : null;
        }
        recompute(child, mine);
        children.push(child);
      });
    } else {
      const beforeTip = o.total - o.tip;
      const totals = evenly(beforeTip, input.parts);
      const taxes = evenly(o.taxTotal, input.parts);
      const tips = evenly(o.tip, input.parts);
      for (let i = 0; i < input.parts; i++) {
        const child = copyOf(tx, o, tips[i]!);
        const share = tx.create(OrderLine, {
          orderId: child.id,
          kind: 'share',
          productId: null,
          name: `${i + 1}/${input.parts} · #${orderNumber(o)}`,
          quantity: 1,
          unitPrice: totals[i]!,
          tax: taxes[i]!,
          taxRateBp: 0,
          taxInclusive: true,
          sentAt: o.sentAt ?? null,
        });
        recompute(child, [share]);
        children.push(child);
      }
    }
    close(o, 'split');
    await tx.flush();
    return children;
  });
}

/**
 * Merges other open bills of the same table into `orderId` (all dine-in on that table, none paid
 * or cancelled: 422 MERGE_MISMATCH otherwise). Their lines move to it as they are (each line's
 * discount fixed as an amount, as in a split), their tips add up; the merged ones end `cancelled`
 * ("merged") with `mergedIntoId`. The target keeps its own state and its order discount.
 */
export async function mergeOrders(em: EntityManager, orderId: string, otherIds: string[]): Promise<Order> {
  return em.transactional(async (tx) => {
    const target = await lockOrder(tx, orderId);
    const mismatch = (message: string) =>
      new DomainError('MERGE_MISMATCH', message, { field: 'body.orderIds' });
    if (otherIds.includes(orderId)) throw mismatch('An order is not merged into itself');
    if (!target.tableId) throw mismatch('Only bills of one table are merged');
    if (!OPEN_STATUSES.includes(target.status))
      throw new DomainError('INVALID_STATE_TRANSITION', `An order ${target.status} takes no other bills`);
    const others: Order[] = [];
    for (const id of [...otherIds].sort()) {
      const other = await tx.findOne(Order, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      if (!other || other.branchId !== target.branchId) throw mismatch('No such order at this table');
      if (other.tableId !== target.tableId) throw mismatch('Only bills of one table are merged');
      if (!OPEN_STATUSES.includes(other.status)) throw mismatch(`An order ${other.status} cannot be merged`);
      others.push(other);
    }
    const moved = await linesOf(tx, others);
    let position = (await linesOf(tx, [target])).reduce((max, l) => Math.max(max, l.position + 1), 0);
    for (const l of moved) {
      l.orderId = target.id;
      l.position = position++;
      l.discountKind = l.kind === 'item' && l.discount > 0n ? 'amount' : null;
      l.discountValue = l.kind === 'item' && l.discount > 0n ? l.discount : null;
    }
    for (const other of others) {
      target.tip += other.tip;
      close(other, 'merged');
      other.mergedIntoId = target.id;
    }
    await tx.flush();
    recompute(target, await linesOf(tx, [target]));
    await tx.flush();
    return target;
  });
}
