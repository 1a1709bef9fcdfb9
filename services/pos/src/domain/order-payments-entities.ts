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
  /** Captured, then given back by the order's refund. */
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
    status: p.enum(TENDER_STATUSES).default('pending'),
    failureCode: p.string().length(60).nullable(),
    failureReason: p.string().length(300).nullable(),
    ...auditProperties,
  },
});
export type OrderTender = InferEntity<typeof OrderTender>;

export const REFUND_STATUSES = ['pending', 'refunded'] as const;

/** The refund of a paid order: all its captured tenders given back (once per order). */
export const OrderRefund = defineEntity({
  name: 'OrderRefund',
  tableName: 'order_refunds',
  properties: {
    ...idProperty,
    ...tenantProperty,
    /** Once per order (`order_refunds_order_unique`). */
    orderId: p.uuid(),
    branchId: p.uuid(),
    reason: p.string().length(200),
    amount: moneyProperty(),
    currency: p.string().length(3),
    /** Whether the sale's units go back to stock (the business's rule when it was asked). */
    restock: p.boolean(),
    /** Pending until every tender is refunded in payments (a retry of its request goes on). */
    status: p.enum(REFUND_STATUSES).default('pending'),
    requestKey: p.string().length(64),
    refundedAt: p.datetime().columnType('timestamptz').nullable(),
    ...auditProperties,
  },
});
export type OrderRefund = InferEntity<typeof OrderRefund>;

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

export const orderPaymentEntities = [OrderTender, OrderRefund, OrderPaymentSettings];
