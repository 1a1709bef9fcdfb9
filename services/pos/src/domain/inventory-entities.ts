/**
 * The POS inventory (`Migration20261208150000_inventory`): items with a base unit, stock per item
 * and branch (quantity, value, weighted average cost, the low-stock flag), the kardex (every
 * movement with the running quantity and value it left), transfers between branches, physical
 * counts and the low-stock alerts waiting for delivery.
 *
 * **Quantities** are `bigint` thousandths of the item's base unit (`1.5 kg` of a kg item is 1500;
 * see inventory-units.ts). **Values** are `bigint` minor units of the item's currency (the
 * business's). References between pos rows are plain uuid columns here; the database holds them
 * with composite `(tenant_id, x_id)` foreign keys and the rules below as CHECKs.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { auditProperties, idProperty, moneyProperty, tenantProperty } from '@faena/platform';
import { UNITS } from './inventory-units.ts';

/** A thing the business keeps in stock (flour, milk, cups), counted in its base unit. */
export const InventoryItem = defineEntity({
  name: 'InventoryItem',
  tableName: 'inventory_items',
  properties: {
    ...idProperty,
    ...tenantProperty,
    /** Unique per business, case-insensitive (`inventory_items_name_unique`). */
    name: p.string().length(120),
    /** What quantities are stored and shown in; a movement may use any unit of the same dimension. */
    baseUnit: p.enum(UNITS),
    /** The business's currency: every value of the item's stock and kardex. */
    currency: p.string().length(3),
    /** Thousandths of the base unit; at or below it in a branch the branch is told once (0: never). */
    lowStockThreshold: p.bigint('bigint').default(0),
    active: p.boolean().default(true),
    ...auditProperties,
  },
});
export type InventoryItem = InferEntity<typeof InventoryItem>;

/** The business's inventory rules (one row per tenant; no row: the defaults). */
export const InventorySettings = defineEntity({
  name: 'InventorySettings',
  tableName: 'inventory_settings',
  properties: {
    ...idProperty,
    /** One row per business (`inventory_settings_tenant_unique`). */
    ...tenantProperty,
    /** Sales may take stock below zero (the kitchen sells what it has not entered yet). Default false. */
    allowNegativeStock: p.boolean().default(false),
    ...auditProperties,
  },
});
export type InventorySettings = InferEntity<typeof InventorySettings>;

/**
 * An item's stock in a branch. CHECK: `allow_negative or (quantity >= 0 and value >= 0)`, with
 * `allow_negative` copied from the settings (changed with them, in their transaction). Every
 * movement locks this row (`select … for update`), so movements of one item in one branch queue.
 */
export const InventoryStock = defineEntity({
  name: 'InventoryStock',
  tableName: 'inventory_stock',
  properties: {
    ...idProperty,
    ...tenantProperty,
    itemId: p.uuid().index(),
    branchId: p.uuid(),
    /** Thousandths of the base unit. */
    quantity: p.bigint('bigint').default(0),
    /** Minor units: what the units on hand cost. */
    value: moneyProperty().default(0),
    /** Minor units per base unit, rounded half up from value / quantity when value arrives (see inventory.ts). */
    avgCost: moneyProperty().default(0),
    allowNegative: p.boolean().default(false),
    /** At or below the item's threshold since the last crossing (an alert was raised for it). */
    lowStock: p.boolean().default(false),
    ...auditProperties,
  },
});
export type InventoryStock = InferEntity<typeof InventoryStock>;

export const MOVEMENT_KINDS = [
  /** In, with its own cost: the average is recomputed. */
  'purchase',
  /** Out, by an order's payment (`deductForSale`). */
  'sale',
  /** Out: spoiled, broken, spilled. */
  'waste',
  /** In or out at the average cost: a correction by hand. */
  'adjustment',
  /** Out of the source branch of a transfer, at its average. */
  'transfer_out',
  /** Into the destination of a transfer, with the value that left the source: the average is recomputed. */
  'transfer_in',
  /** In: a refunded order's units back, at the value its sale took out (`restockForRefund`). */
  'refund',
  /** In or out: a posted physical count's difference, at the average cost. */
  'count',
] as const;
export type MovementKind = (typeof MOVEMENT_KINDS)[number];
/** What staff record by hand through `POST /inventory/movements`. */
export const MANUAL_MOVEMENT_KINDS = ['purchase', 'waste', 'adjustment'] as const;
export type ManualMovementKind = (typeof MANUAL_MOVEMENT_KINDS)[number];

/** One line of the kardex. Signed quantity and value (+ in, − out); the balances are the stock row's after it. */
export const InventoryMovement = defineEntity({
  name: 'InventoryMovement',
  tableName: 'inventory_movements',
  properties: {
    ...idProperty,
    ...tenantProperty,
    itemId: p.uuid().index(),
    branchId: p.uuid(),
    kind: p.enum(MOVEMENT_KINDS),
    quantity: p.bigint('bigint'),
    value: moneyProperty(),
    /** As entered (`"1.5"` `"kg"`), for the record; `quantity` is the converted one. */
    enteredQuantity: p.string().length(40).nullable(),
    enteredUnit: p.enum(UNITS).nullable(),
    /** A purchase's cost per entered unit, minor units (null when a total was given). */
    unitCost: moneyProperty().nullable(),
    balanceQuantity: p.bigint('bigint'),
    balanceValue: moneyProperty(),
    /** The stock row's average cost after this movement. */
    avgCost: moneyProperty(),
    transferId: p.uuid().nullable(),
    countId: p.uuid().nullable(),
    /** What caused it outside inventory: `order:<id>` for sales and refunds. */
    reference: p.string().length(120).nullable(),
    note: p.string().length(300).nullable(),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
    createdBy: p.uuid().nullable(),
  },
});
export type InventoryMovement = InferEntity<typeof InventoryMovement>;

/** A transfer between two branches: its two movements (`transfer_out`, `transfer_in`) name it. */
export const InventoryTransfer = defineEntity({
  name: 'InventoryTransfer',
  tableName: 'inventory_transfers',
  properties: {
    ...idProperty,
    ...tenantProperty,
    itemId: p.uuid().index(),
    fromBranchId: p.uuid(),
    toBranchId: p.uuid(),
    quantity: p.bigint('bigint'),
    value: moneyProperty(),
    note: p.string().length(300).nullable(),
    ...auditProperties,
  },
});
export type InventoryTransfer = InferEntity<typeof InventoryTransfer>;

export const COUNT_STATUSES = ['open', 'posted', 'cancelled'] as const;
export type CountStatus = (typeof COUNT_STATUSES)[number];

/** A physical count of a branch: lines counted while open, differences posted once. */
export const StockCount = defineEntity({
  name: 'StockCount',
  tableName: 'inventory_counts',
  properties: {
    ...idProperty,
    ...tenantProperty,
    branchId: p.uuid().index(),
    status: p.enum(COUNT_STATUSES).default('open'),
    note: p.string().length(300).nullable(),
    postedAt: p.datetime().columnType('timestamptz').nullable(),
    postedBy: p.uuid().nullable(),
    ...auditProperties,
  },
});
export type StockCount = InferEntity<typeof StockCount>;

/** What was counted of an item; `expected` and `difference` are written when the count is posted. */
export const StockCountLine = defineEntity({
  name: 'StockCountLine',
  tableName: 'inventory_count_lines',
  properties: {
    ...idProperty,
    ...tenantProperty,
    countId: p.uuid().index(),
    itemId: p.uuid(),
    /** Thousandths of the base unit, >= 0. */
    counted: p.bigint('bigint'),
    expected: p.bigint('bigint').nullable(),
    difference: p.bigint('bigint').nullable(),
    /** The adjustment the difference posted (null: none, or no difference). */
    movementId: p.uuid().nullable(),
    ...auditProperties,
  },
});
export type StockCountLine = InferEntity<typeof StockCountLine>;

/**
 * A low-stock crossing, written in the transaction of the movement that crossed (once per
 * crossing: the stock row's flag). Delivered after commit, never inside it (see inventory.ts).
 */
export const InventoryAlert = defineEntity({
  name: 'InventoryAlert',
  tableName: 'inventory_alerts',
  properties: {
    ...idProperty,
    ...tenantProperty,
    itemId: p.uuid().index(),
    branchId: p.uuid(),
    movementId: p.uuid(),
    quantity: p.bigint('bigint'),
    threshold: p.bigint('bigint'),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
    deliveredAt: p.datetime().columnType('timestamptz').nullable(),
  },
});
export type InventoryAlert = InferEntity<typeof InventoryAlert>;

export const inventoryEntities = [
  InventoryItem,
  InventorySettings,
  InventoryStock,
  InventoryMovement,
  InventoryTransfer,
  StockCount,
  StockCountLine,
  InventoryAlert,
];
