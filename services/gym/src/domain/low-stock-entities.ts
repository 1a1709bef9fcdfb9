/**
 * Low-stock alerts (`Migration20261208120000_low_stock_alerts`): the store's outbox for the
 * `lowStockAlert` process — one row per crossing of a product's threshold in a branch, written in
 * the transaction of the movement that crossed it (`movementId` unique).
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { auditProperties, idProperty, tenantProperty } from '@faena/platform';

export const LowStockAlert = defineEntity({
  name: 'LowStockAlert',
  tableName: 'low_stock_alerts',
  properties: {
    ...idProperty,
    ...tenantProperty,
    productId: p.uuid(),
    branchId: p.uuid(),
    /** The kardex line that crossed the threshold: one alert per crossing. */
    movementId: p.uuid(),
    /** Units it left and the product's threshold then. */
    quantity: p.integer(),
    threshold: p.integer(),
    /** Set once the process was started (or found started), or the alert settled without one. */
    processStartedAt: p.datetime().columnType('timestamptz').nullable(),
    ...auditProperties,
  },
});
export type LowStockAlert = InferEntity<typeof LowStockAlert>;

export const lowStockEntities = [LowStockAlert];
