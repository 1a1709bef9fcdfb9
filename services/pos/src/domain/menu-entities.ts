/**
 * The menu (schema `pos`; `Migration20261208100000_init`, `Migration20261208110000_menu`): one menu
 * per business — categories, products with variants, modifier groups and their modifiers, images —
 * sold per branch at the branch's price (`branch_products`: price + currency, out-of-stock flag),
 * within the product's availability windows in the branch's zone (`branch_settings.time_zone`).
 *
 * Money is `bigint` minor units of the business's currency; a variant or modifier adds its
 * `priceDelta` (>= 0) to the branch's price. References between pos rows are plain uuid columns
 * here; the database holds them with composite `(tenant_id, x_id)` foreign keys, and the rules no
 * entity can say (names once per parent, min <= max choices, windows that end after they start) are
 * constraints of the migrations.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { auditProperties, idProperty, moneyProperty, tenantProperty } from '@faena/platform';

/** A section of the menu (Entradas, Bebidas…); one list for every branch of the business. */
export const Category = defineEntity({
  name: 'Category',
  tableName: 'categories',
  properties: {
    ...idProperty,
    ...tenantProperty,
    name: p.string().length(80),
    description: p.text().default(''),
    /** Order on the menu (ascending, then name). */
    position: p.integer().default(0),
    active: p.boolean().default(true),
    /** Tax of its products (basis points, 0-10000) and whether their prices include it (orders' migration). */
    taxRateBp: p.integer().default(0),
    taxInclusive: p.boolean().default(true),
    ...auditProperties,
  },
});
export type Category = InferEntity<typeof Category>;

/** A dish or drink of a category. Sold in a branch once it has a price there (`BranchProduct`). */
export const Product = defineEntity({
  name: 'Product',
  tableName: 'products',
  properties: {
    ...idProperty,
    ...tenantProperty,
    categoryId: p.uuid().index(),
    name: p.string().length(120),
    description: p.text().default(''),
    position: p.integer().default(0),
    active: p.boolean().default(true),
    /** The product's own tax (null: its category's), see `Category.taxRateBp`. */
    taxRateBp: p.integer().nullable(),
    taxInclusive: p.boolean().nullable(),
    ...auditProperties,
  },
});
export type Product = InferEntity<typeof Product>;

/** A way a product is served (Chico, Grande): one is chosen when the product has any. */
export const ProductVariant = defineEntity({
  name: 'ProductVariant',
  tableName: 'product_variants',
  properties: {
    ...idProperty,
    ...tenantProperty,
    productId: p.uuid().index(),
    name: p.string().length(80),
    /** Minor units added to the branch's price (>= 0). */
    priceDelta: moneyProperty().default(0),
    position: p.integer().default(0),
    active: p.boolean().default(true),
    ...auditProperties,
  },
});
export type ProductVariant = InferEntity<typeof ProductVariant>;

/** A choice to make about a product (Punto de cocción, Extras): between `minChoices` and `maxChoices` of its modifiers. */
export const ModifierGroup = defineEntity({
  name: 'ModifierGroup',
  tableName: 'modifier_groups',
  properties: {
    ...idProperty,
    ...tenantProperty,
    productId: p.uuid().index(),
    name: p.string().length(80),
    /** 0: optional; 1 or more: required (CHECK 0 <= min <= max, max >= 1). */
    minChoices: p.integer().default(0),
    maxChoices: p.integer().default(1),
    position: p.integer().default(0),
    ...auditProperties,
  },
});
export type ModifierGroup = InferEntity<typeof ModifierGroup>;

/** One option of a modifier group (Sin cebolla, Extra queso +$800). */
export const Modifier = defineEntity({
  name: 'Modifier',
  tableName: 'modifiers',
  properties: {
    ...idProperty,
    ...tenantProperty,
    groupId: p.uuid().index(),
    name: p.string().length(80),
    /** Minor units added to the line's price (>= 0). */
    priceDelta: moneyProperty().default(0),
    position: p.integer().default(0),
    active: p.boolean().default(true),
    ...auditProperties,
  },
});
export type Modifier = InferEntity<typeof Modifier>;

/** A product's picture, stored through the platform's `Storage` (keys `pos/<tenant>/products/<id>/<image>.<ext>`). */
export const ProductImage = defineEntity({
  name: 'ProductImage',
  tableName: 'product_images',
  properties: {
    ...idProperty,
    ...tenantProperty,
    productId: p.uuid().index(),
    storageKey: p.string().length(300),
    contentType: p.string().length(40),
    size: p.integer(),
    ...auditProperties,
  },
});
export type ProductImage = InferEntity<typeof ProductImage>;

/** A product as a branch sells it: its price there and whether it ran out today (86). */
export const BranchProduct = defineEntity({
  name: 'BranchProduct',
  tableName: 'branch_products',
  properties: {
    ...idProperty,
    ...tenantProperty,
    productId: p.uuid().index(),
    branchId: p.uuid().index(),
    /** Minor units of `currency` (the business's), > 0. */
    price: moneyProperty(),
    currency: p.string().length(3),
    /** Set by staff when the kitchen runs out; cleared when it is back. */
    outOfStock: p.boolean().default(false),
    ...auditProperties,
  },
});
export type BranchProduct = InferEntity<typeof BranchProduct>;

/**
 * When a product may be ordered: on `weekday` (ISO, 1 = Monday) from `startsAt` to `endsAt`
 * (`HH:mm`, end after start; a window past midnight is two windows), in each branch's own zone.
 * A product without windows is available whenever the branch sells it.
 */
export const AvailabilityWindow = defineEntity({
  name: 'AvailabilityWindow',
  tableName: 'availability_windows',
  properties: {
    ...idProperty,
    ...tenantProperty,
    productId: p.uuid().index(),
    weekday: p.integer(),
    startsAt: p.string().length(5),
    endsAt: p.string().length(5),
    ...auditProperties,
  },
});
export type AvailabilityWindow = InferEntity<typeof AvailabilityWindow>;

/**
 * The POS's settings of a branch: the IANA zone its menu's availability windows (and later its
 * reports) are read in. Identity keeps the branch's zone too, but no POS caller may read it (its
 * directory answers ids only), so a manager sets it here once (the demo seed copies identity's).
 */
export const BranchSettings = defineEntity({
  name: 'BranchSettings',
  tableName: 'branch_settings',
  properties: {
    ...idProperty,
    ...tenantProperty,
    branchId: p.uuid(),
    timeZone: p.string().length(64),
    ...auditProperties,
  },
});
export type BranchSettings = InferEntity<typeof BranchSettings>;

export const menuEntities = [
  Category,
  Product,
  ProductVariant,
  ModifierGroup,
  Modifier,
  ProductImage,
  BranchProduct,
  AvailabilityWindow,
  BranchSettings,
];
