/**
 * Recipes (`Migration20261208160000_recipes`): what selling a product takes out of the inventory.
 * A line names the product and the inventory item (`inventory-entities.ts`) with a quantity in
 * thousandths of the item's base unit (the inventory's fixed point), and optionally the variant or
 * the modifier it belongs to (at most one: CHECK): product lines are used by every sale of the
 * product, a variant's or modifier's lines only when it is chosen, on top of the product's.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { auditProperties, idProperty, tenantProperty } from '@faena/platform';

export const RecipeLine = defineEntity({
  name: 'RecipeLine',
  tableName: 'recipe_lines',
  properties: {
    ...idProperty,
    ...tenantProperty,
    productId: p.uuid().index(),
    variantId: p.uuid().nullable(),
    modifierId: p.uuid().nullable(),
    itemId: p.uuid().index(),
    /** Thousandths of the item's base unit, > 0. */
    quantity: p.bigint('bigint'),
    ...auditProperties,
  },
});
export type RecipeLine = InferEntity<typeof RecipeLine>;

export const recipeEntities = [RecipeLine];
