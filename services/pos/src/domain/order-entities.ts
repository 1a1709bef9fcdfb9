/**
 * Orders of a branch and their lines (`Migration20261208170000_orders`).
 *
 * An order is dine-in (a table and its guests), takeaway or delivery (address and phone), moves
 * `open → sent → preparing → ready → served → paid` or ends `cancelled` (a reason; splitting and
 * merging close the orders they replace as `cancelled` with `splitInto`/`mergedIntoId`). Its
 * totals are computed by the server (domain/order-totals.ts) from the branch's prices when a line
 * is added, and stored with each line and on the order in integer minor units of `currency`.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { auditProperties, idProperty, moneyProperty, tenantProperty } from '@faena/platform';

export const ORDER_KINDS = ['dine_in', 'takeaway', 'delivery'] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];
export const ORDER_STATUSES = ['open', 'sent', 'preparing', 'ready', 'served', 'paid', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
/** Statuses in which an order still holds its table. */
export const OPEN_STATUSES: readonly OrderStatus[] = ['open', 'sent', 'preparing', 'ready', 'served'];
/** Statuses of an order the kitchen has: lines are voided (not removed) and a new round is sent. */
export const SENT_STATUSES: readonly OrderStatus[] = ['sent', 'preparing', 'ready', 'served'];
export const DISCOUNT_KINDS = ['percent', 'amount'] as const;
export type DiscountKind = (typeof DISCOUNT_KINDS)[number];
/** `item`: a product of the menu; `share`: an even part of a split bill (fixed amounts, no product). */
export const LINE_KINDS = ['item', 'share'] as const;
export type LineKind = (typeof LINE_KINDS)[number];

export const Order = defineEntity({
  name: 'Order',
  tableName: 'orders',
  properties: {
    ...idProperty,
    ...tenantProperty,
    branchId: p.uuid().index(),
    kind: p.enum(ORDER_KINDS),
    /** Dine-in only (CHECK): the table (same branch: composite key) and its guests (1-100). */
    tableId: p.uuid().nullable().index(),
    guests: p.integer().nullable(),
    customerName: p.string().length(120).nullable(),
    /** Delivery only (CHECK: both set for delivery). */
    deliveryAddress: p.string().length(300).nullable(),
    deliveryPhone: p.string().length(30).nullable(),
    notes: p.string().length(500).default(''),
    status: p.enum(ORDER_STATUSES).default('open'),
    /** The business's currency, from the branch's prices. */
    currency: p.string().length(3),
    /** Order-level discount: `percent` in basis points (1-10000) or `amount` in minor units. */
    discountKind: p.enum(DISCOUNT_KINDS).nullable(),
    discountValue: moneyProperty().nullable(),
    tip: moneyProperty().default(0),
    /** Stored totals (recomputed on every change): sum of line gross, all discounts, taxes, total with tip. */
    subtotal: moneyProperty().default(0),
    discountTotal: moneyProperty().default(0),
    taxTotal: moneyProperty().default(0),
    total: moneyProperty().default(0),
    cancelReason: p.string().length(300).nullable(),
    /** The order this one was split from (its lines or an even share of it). */
    splitFromId: p.uuid().nullable().index(),
    /** The order this one's lines were merged into (this one is then `cancelled`). */
    mergedIntoId: p.uuid().nullable(),
    paymentRef: p.string().length(120).nullable(),
    sentAt: p.datetime().columnType('timestamptz').nullable(),
    servedAt: p.datetime().columnType('timestamptz').nullable(),
    paidAt: p.datetime().columnType('timestamptz').nullable(),
    cancelledAt: p.datetime().columnType('timestamptz').nullable(),
    ...auditProperties,
  },
});
export type Order = InferEntity<typeof Order>;

/** A modifier chosen on a line, as priced when the line was added. */
export interface LineModifier {
  id: string;
  groupId: string;
  name: string;
  priceDelta: number;
}

export const OrderLine = defineEntity({
  name: 'OrderLine',
  tableName: 'order_lines',
  properties: {
    ...idProperty,
    ...tenantProperty,
    orderId: p.uuid().index(),
    kind: p.enum(LINE_KINDS).default('item'),
    /** Item lines: the product and its variant (composite keys); null on share lines (CHECK). */
    productId: p.uuid().nullable().index(),
    variantId: p.uuid().nullable(),
    /** Chosen modifiers (validated against the product's groups), with the price deltas charged. */
    modifiers: p.json<LineModifier[]>().default([]),
    /** What the kitchen and the ticket read: product (and variant) name, or "1/3 …" for a share. */
    name: p.string().length(200),
    notes: p.string().length(300).default(''),
    quantity: p.integer(),
    /** Branch price + variant delta + modifier deltas, minor units (>= 0). */
    unitPrice: moneyProperty(),
    /** Tax of the line: basis points (0-10000) and whether prices include it. */
    taxRateBp: p.integer().default(0),
    taxInclusive: p.boolean().default(true),
    discountKind: p.enum(DISCOUNT_KINDS).nullable(),
    discountValue: moneyProperty().nullable(),
    /** Computed: unitPrice × quantity; its discount (line + its part of the order's); tax; what it costs. */
    gross: moneyProperty().default(0),
    discount: moneyProperty().default(0),
    tax: moneyProperty().default(0),
    total: moneyProperty().default(0),
    position: p.integer().default(0),
    /** Set when the order is sent to the kitchen (a second round's lines when it is sent again). */
    sentAt: p.datetime().columnType('timestamptz').nullable(),
    /**
     * Voided after sending (`orders.void`, a reason): the line stays, counts in no total and takes
     * no stock; the kitchen got a cancel ticket for it (CHECK: all three together, only on a sent line).
     */
    voidedAt: p.datetime().columnType('timestamptz').nullable(),
    voidReason: p.string().length(300).nullable(),
    voidedBy: p.uuid().nullable(),
    ...auditProperties,
  },
});
export type OrderLine = InferEntity<typeof OrderLine>;

/** The business's order rules: discounts above `discountThresholdBp` of what they apply to need `orders.discount`. */
export const OrderSettings = defineEntity({
  name: 'OrderSettings',
  tableName: 'order_settings',
  properties: {
    ...idProperty,
    ...tenantProperty,
    discountThresholdBp: p.integer().default(1000),
    ...auditProperties,
  },
});
export type OrderSettings = InferEntity<typeof OrderSettings>;

export const orderEntities = [Order, OrderLine, OrderSettings];
