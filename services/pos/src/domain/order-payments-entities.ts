/**
 * Order payments (`Migration20261208190000_order_payments`): the tenders an order is paid with,
 * each a payment in the payments service, its refund, and the business's refund rule.
 *
 * A tender row is written (`pending`) **before** payments is asked, with the Idempotency-Key it is
 * asked with (`pos-order:<order>:tender:<tender>`), so a crash between payments and the order's
 * update loses nothing: the retry of the same request finds its tenders and asks again with the
 * same keys (payments replays its first answer). Amounts are `bigint` minor units of the order's
 * currency; the database holds the arithmetic of each tender (CHECKs in the migration).
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { auditProperties, idProperty, moneyProperty, tenantProperty } from '@faena/platform';
import { TENDER_METHODS } from './order-payments-tenders.ts';

export const TENDER_STATUSES = [
  /** Written, payments not (yet) known to have taken it: the retry of its request asks again. */
  'pending',
  /** Payments took it (`paymentId`): it counts toward the order's total. */
  'captured',
  /** Payments refused it (`failureCode`): it counts for nothing; pay the rest with another tender. */
  'failed',
  /** Captured, then given back in full by the order's refunds (a part back: still `captured`). */
  'refunded',
] as const;
export type TenderStatus = (typeof TENDER_STATUSES)[number];

export const OrderTender = defineEntity({
  name: 'OrderTender',
  tableName: 'order_tenders',
  properties: {
    ...idProperty,
    ...tenantProperty,
    orderId: p.uuid().index(),
    /** The order's branch (the payment's). */
    branchId: p.uuid(),
    /** The POS request that took it (its caller-scoped Idempotency-Key): its retry drives it again. */
    requestKey: p.string().length(64),
    /** Its place in that request's list. */
    position: p.integer(),
    method: p.enum(TENDER_METHODS),
    /** What it pays toward the order: what payments is asked to take. */
    amount: moneyProperty(),
    /** Cash: what was handed over; any other: `amount` (CHECK). */
    received: moneyProperty(),
    /** Cash handed back, `received - amount` (CHECK): never charged, never revenue. */
    change: moneyProperty().default(0),
    currency: p.string().length(3),
    /** Cash: the drawer whose open session took it (CHECK); the others may name one. */
    drawerId: p.uuid().nullable(),
    /** Whose money: the customer (wallet, with their payer code), else the cashier who took it. */
    payerId: p.uuid(),
    /** The Idempotency-Key payments is asked with (unique per business). */
    paymentKey: p.string().length(200),
    paymentId: p.uuid().nullable(),
    /** What the order's refunds gave back of it (CHECK: up to `amount`; all of it: `refunded`). */
    refundedAmount: moneyProperty().default(0),
    status: p.enum(TENDER_STATUSES).default('pending'),
    failureCode: p.string().length(60).nullable(),
    failureReason: p.string().length(300).nullable(),
    ...auditProperties,
  },
});
export type OrderTender = InferEntity<typeof OrderTender>;

export const REFUND_STATUSES = ['pending', 'refunded'] as const;
/**
 * `whole`: everything the order's refunds have not given back yet (restocks what is left of the
 * sale); `lines`: units of some lines (their share of the money and of the recipes' stock);
 * `amount`: money only (a price adjustment: nothing goes back to stock).
 */
export const REFUND_KINDS = ['whole', 'lines', 'amount'] as const;
export type RefundKind = (typeof REFUND_KINDS)[number];

/** A refund of a paid order: several per order, together never more than its tenders took. */
export const OrderRefund = defineEntity({
  name: 'OrderRefund',
  tableName: 'order_refunds',
  properties: {
    ...idProperty,
    ...tenantProperty,
    orderId: p.uuid().index(),
    kind: p.enum(REFUND_KINDS).default('whole'),
    branchId: p.uuid(),
    reason: p.string().length(200),
    amount: moneyProperty(),
    currency: p.string().length(3),
    /** Whether the sale's units go back to stock (the business's rule when it was asked). */
    restock: p.boolean(),
    /** Pending until every tender is refunded in payments (a retry of its request goes on). */
    status: p.enum(REFUND_STATUSES).default('pending'),
    /** The POS request (caller-scoped Idempotency-Key) that asked for it: once per order. */
    requestKey: p.string().length(64),
    refundedAt: p.datetime().columnType('timestamptz').nullable(),
    ...auditProperties,
  },
});
export type OrderRefund = InferEntity<typeof OrderRefund>;

/** Units of an order line a `lines` refund gives back, and the money they were worth. */
export const OrderRefundLine = defineEntity({
  name: 'OrderRefundLine',
  tableName: 'order_refund_lines',
  properties: {
    ...idProperty,
    ...tenantProperty,
    refundId: p.uuid().index(),
    orderId: p.uuid(),
    lineId: p.uuid().index(),
    /** 1-999, never more than the line's quantity over all refunds (checked under the order's lock). */
    quantity: p.integer(),
    /** The line's total × quantity / its quantity (rounded half up; the last units take the rest). */
    amount: moneyProperty(),
    ...auditProperties,
  },
});
export type OrderRefundLine = InferEntity<typeof OrderRefundLine>;

/**
 * What a refund gives back of one tender: a refund in payments with its own Idempotency-Key
 * (`pos-order:<order>:refund:<refund>:tender:<tender>`), written `pending` before payments is asked.
 */
export const OrderRefundTender = defineEntity({
  name: 'OrderRefundTender',
  tableName: 'order_refund_tenders',
  properties: {
    ...idProperty,
    ...tenantProperty,
    refundId: p.uuid().index(),
    tenderId: p.uuid().index(),
    amount: moneyProperty(),
    paymentKey: p.string().length(200),
    status: p.enum(REFUND_STATUSES).default('pending'),
    ...auditProperties,
  },
});
export type OrderRefundTender = InferEntity<typeof OrderRefundTender>;

/** The business's order-payment rules (one row per tenant; no row: the defaults). */
export const OrderPaymentSettings = defineEntity({
  name: 'OrderPaymentSettings',
  tableName: 'order_payment_settings',
  properties: {
    ...idProperty,
    /** One row per business (`order_payment_settings_tenant_unique`). */
    ...tenantProperty,
    /** A refunded order's recipe units go back to stock (default true; off: they were thrown away). */
    restockOnRefund: p.boolean().default(true),
    ...auditProperties,
  },
});
export type OrderPaymentSettings = InferEntity<typeof OrderPaymentSettings>;

export const orderPaymentEntities = [
  OrderTender,
  OrderRefund,
  OrderRefundLine,
  OrderRefundTender,
  OrderPaymentSettings,
];
