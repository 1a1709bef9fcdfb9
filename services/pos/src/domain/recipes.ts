/**
 * Recipes: what selling a product takes out of the inventory, in the inventory's fixed point
 * (thousandths of the item's base unit; inventory-units.ts). A recipe is replaced whole; its lines
 * name the product, or one of its variants, or one of its modifiers (checked here: the database's
 * keys say only that each exists in the business).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '@faena/platform';
import { InventoryItem } from './inventory-entities.ts';
import { formatQuantity, toBase, type Unit } from './inventory-units.ts';
import type { StockLine } from './inventory.ts';
import { Modifier, ModifierGroup, ProductVariant, type Product } from './menu-entities.ts';
import { RecipeLine } from './recipe-entities.ts';

export interface RecipeLineInput {
  itemId: string;
  /** A decimal in `unit` (default: the item's base unit), > 0. */
  quantity: string;
  unit?: Unit;
  variantId?: string;
  modifierId?: string;
}

export async function presentRecipe(em: EntityManager, p: Product) {
  const lines = await em.find(RecipeLine, { productId: p.id }, { orderBy: { id: 'asc' } });
  const items = lines.length
    ? new Map(
        (await em.find(InventoryItem, { id: { $in: lines.map((l) => l.itemId) } })).map((i) => [i.id, i]),
      )
    : new Map<string, InventoryItem>();
  return {
    productId: p.id,
    lines: lines.map((l) => ({
      itemId: l.itemId,
      itemName: items.get(l.itemId)?.name ?? '',
      variantId: l.variantId ?? null,
      modifierId: l.modifierId ?? null,
      quantity: formatQuantity(l.quantity),
      unit: items.get(l.itemId)?.baseUnit ?? 'unit',
    })),
  };
}

/** Replaces the recipe of `p` with `lines` (all or nothing). */
export async function setRecipe(em: EntityManager, p: Product, lines: RecipeLineInput[]): Promise<void> {
  const [items, variants, groups] = await Promise.all([
    em.find(InventoryItem, { id: { $in: [...new Set(lines.map((l) => l.itemId))] } }),
    em.find(ProductVariant, { productId: p.id }),
    em.find(ModifierGroup, { productId: p.id }),
  ]);
  const modifiers = groups.length
    ? await em.find(Modifier, { groupId: { $in: groups.map((g) => g.id) } })
    : [];
  const itemOf = new Map(items.map((i) => [i.id, i]));
  const seen = new Set<string>();
  const rows = lines.map((l, n) => {
    const field = `body.lines.${n}`;
    const item = itemOf.get(l.itemId);
    if (!item)
      throw new DomainError('UNKNOWN_REFERENCE', 'No such inventory item in this business', {
        field: `${field}.itemId`,
      });
    if (l.variantId && l.modifierId)
      throw new DomainError(
        'EXACTLY_ONE_REQUIRED',
        'A recipe line belongs to a variant or a modifier, not both',
        {
          field: `${field}.modifierId`,
        },
      );
    if (l.variantId && !variants.some((v) => v.id === l.variantId))
      throw new DomainError('UNKNOWN_REFERENCE', 'No such variant of this product', {
        field: `${field}.variantId`,
      });
    if (l.modifierId && !modifiers.some((m) => m.id === l.modifierId))
      throw new DomainError('UNKNOWN_REFERENCE', 'No such modifier of this product', {
        field: `${field}.modifierId`,
      });
    const quantity = toBase(l.quantity, l.unit ?? item.baseUnit, item.baseUnit, `${field}.quantity`);
    if (quantity <= 0n)
      throw new DomainError('VALIDATION_FAILED', 'A recipe takes more than zero', {
        field: `${field}.quantity`,
      });
    const key = `${l.itemId}/${l.variantId ?? ''}/${l.modifierId ?? ''}`;
    if (seen.has(key))
      throw new DomainError(
        'ALREADY_EXISTS',
        'The item is in this recipe (or this variant or modifier) already',
        {
          field: `${field}.itemId`,
        },
      );
    seen.add(key);
    return { itemId: l.itemId, variantId: l.variantId ?? null, modifierId: l.modifierId ?? null, quantity };
  });
  await em.nativeDelete(RecipeLine, { productId: p.id });
  for (const r of rows) em.create(RecipeLine, { productId: p.id, ...r });
  await em.flush();
}

/**
 * What selling `quantity` of a product (with its variant and modifiers) takes out of the
 * inventory, as the inventory's stock lines (bigint thousandths of each item's base unit): the
 * product's lines, the chosen variant's and each chosen modifier's, summed per item. The orders
 * part hands these to the inventory's sale deduction in the transaction that pays the order.
 */
export async function recipeStockLines(
  em: EntityManager,
  sale: { productId: string; variantId?: string | null; modifierIds?: string[]; quantity: number },
): Promise<StockLine[]> {
  const lines = await em.find(RecipeLine, { productId: sale.productId });
  const chosen = new Set(sale.modifierIds ?? []);
  const total = new Map<string, bigint>();
  for (const l of lines) {
    const applies = l.variantId
      ? l.variantId === sale.variantId
      : l.modifierId
        ? chosen.has(l.modifierId)
        : true;
    if (applies) total.set(l.itemId, (total.get(l.itemId) ?? 0n) + l.quantity * BigInt(sale.quantity));
  }
  return [...total]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([itemId, quantity]) => ({ itemId, quantity }));
}
