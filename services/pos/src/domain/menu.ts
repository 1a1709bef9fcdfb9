/**
 * The menu's rules and every query behind its routes: one menu per business (categories, products,
 * variants, modifier groups, images, availability windows), sold per branch at the branch's price
 * (`branch_products`) and read by a branch as it stands at an instant in the branch's zone.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DateTime } from 'luxon';
import { DomainError, isUniqueViolation, notFound } from '@faena/platform';
import {
  AvailabilityWindow,
  BranchProduct,
  BranchSettings,
  Category,
  Modifier,
  ModifierGroup,
  Product,
  ProductImage,
  ProductVariant,
} from './menu-entities.ts';
import { enforceProductLimit, type PlanScope } from './plan-limits.ts';

export interface CategoryInput {
  name: string;
  description?: string;
  position?: number;
  active?: boolean;
}
export interface ProductInput {
  categoryId: string;
  name: string;
  description?: string;
  position?: number;
  active?: boolean;
}
export interface VariantInput {
  name: string;
  priceDelta?: number;
  position?: number;
  active?: boolean;
}
export interface ModifierInput {
  name: string;
  priceDelta?: number;
  position?: number;
  active?: boolean;
}
export interface GroupInput {
  name: string;
  minChoices?: number;
  maxChoices?: number;
  position?: number;
  modifiers?: ModifierInput[];
}
export interface WindowInput {
  weekday: number;
  startsAt: string;
  endsAt: string;
}
export interface BranchProductInput {
  price?: number;
  currency?: string;
  outOfStock?: boolean;
}

const taken = (what: string, field = 'body.name') =>
  new DomainError('ALREADY_EXISTS', `${what} already exists with that name`, { field });

/** Flushes, answering a unique name's violation as 409 ALREADY_EXISTS. */
async function flushNamed(em: EntityManager, names: Record<string, string>): Promise<void> {
  try {
    await em.flush();
  } catch (err) {
    for (const [constraint, what] of Object.entries(names))
      if (isUniqueViolation(err, constraint)) throw taken(what);
    throw err;
  }
}

// --- presenters -----------------------------------------------------------------------------

export const presentCategory = (c: Category) => ({
  id: c.id,
  name: c.name,
  description: c.description,
  position: c.position,
  active: c.active,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

const presentVariant = (v: ProductVariant) => ({
  id: v.id,
  name: v.name,
  priceDelta: v.priceDelta.toString(),
  position: v.position,
  active: v.active,
});
const presentModifier = (m: Modifier) => ({
  id: m.id,
  name: m.name,
  priceDelta: m.priceDelta.toString(),
  position: m.position,
  active: m.active,
});
const presentWindow = (w: AvailabilityWindow) => ({
  weekday: w.weekday,
  startsAt: w.startsAt,
  endsAt: w.endsAt,
});
const presentImage = (i: ProductImage) => ({ id: i.id, contentType: i.contentType, size: i.size });
export const presentBranchProduct = (b: BranchProduct) => ({
  productId: b.productId,
  branchId: b.branchId,
  price: b.price.toString(),
  currency: b.currency,
  outOfStock: b.outOfStock,
  updatedAt: b.updatedAt.toISOString(),
});

/** Everything a product's answer shows, loaded for many products in a few queries. */
export interface ProductDetails {
  variants: ProductVariant[];
  groups: ModifierGroup[];
  modifiers: Modifier[];
  images: ProductImage[];
  windows: AvailabilityWindow[];
  prices: BranchProduct[];
}

const byPosition = { position: 'asc', id: 'asc' } as const;

/** The details of `products`; `branches` narrows their prices (`'*'`: every branch). */
export async function productDetails(
  em: EntityManager,
  products: Product[],
  branches: string[] | '*',
): Promise<ProductDetails> {
  const productId = { $in: products.map((p) => p.id) };
  if (!products.length)
    return { variants: [], groups: [], modifiers: [], images: [], windows: [], prices: [] };
  const [variants, groups, images, windows, prices] = await Promise.all([
    em.find(ProductVariant, { productId }, { orderBy: byPosition }),
    em.find(ModifierGroup, { productId }, { orderBy: byPosition }),
    em.find(ProductImage, { productId }, { orderBy: { id: 'asc' } }),
    em.find(AvailabilityWindow, { productId }, { orderBy: { weekday: 'asc', startsAt: 'asc' } }),
    em.find(BranchProduct, branches === '*' ? { productId } : { productId, branchId: { $in: branches } }, {
      orderBy: { branchId: 'asc' },
    }),
  ]);
  const modifiers = groups.length
    ? await em.find(Modifier, { groupId: { $in: groups.map((g) => g.id) } }, { orderBy: byPosition })
    : [];
  return { variants, groups, modifiers, images, windows, prices };
}

export const presentProduct = (p: Product, d: ProductDetails) => ({
  id: p.id,
  categoryId: p.categoryId,
  name: p.name,
  description: p.description,
  position: p.position,
  active: p.active,
  variants: d.variants.filter((v) => v.productId === p.id).map(presentVariant),
  modifierGroups: d.groups
    .filter((g) => g.productId === p.id)
    .map((g) => ({
      id: g.id,
      name: g.name,
      minChoices: g.minChoices,
      maxChoices: g.maxChoices,
      position: g.position,
      modifiers: d.modifiers.filter((m) => m.groupId === g.id).map(presentModifier),
    })),
  images: d.images.filter((i) => i.productId === p.id).map(presentImage),
  availability: d.windows.filter((w) => w.productId === p.id).map(presentWindow),
  prices: d.prices
    .filter((b) => b.productId === p.id)
    .map((b) => ({
      branchId: b.branchId,
      price: b.price.toString(),
      currency: b.currency,
      outOfStock: b.outOfStock,
    })),
  createdAt: p.createdAt.toISOString(),
  updatedAt: p.updatedAt.toISOString(),
});

// --- categories ---------------------------------------------------------------------------------

export async function loadCategory(em: EntityManager, id: string): Promise<Category> {
  const c = await em.findOne(Category, { id });
  if (!c) throw notFound('Category');
  return c;
}

/** Writes a category (new or changed): its name is unique per business (case-insensitive). */
export async function saveCategory(
  em: EntityManager,
  input: Partial<CategoryInput>,
  existing?: Category,
): Promise<Category> {
  const c = existing ?? em.create(Category, { name: input.name! });
  em.assign(c, input);
  await flushNamed(em, { categories_name_unique: 'A category' });
  return c;
}

// --- products ---------------------------------------------------------------------------------

export async function loadProduct(em: EntityManager, id: string): Promise<Product> {
  const p = await em.findOne(Product, { id });
  if (!p) throw notFound('Product');
  return p;
}

/** The category a product is put in: this business's (another's is 422 UNKNOWN_REFERENCE, like a branch). */
async function assertCategory(em: EntityManager, categoryId: string): Promise<void> {
  if (!(await em.count(Category, { id: categoryId })))
    throw new DomainError('UNKNOWN_REFERENCE', 'No such category in this business', {
      field: 'body.categoryId',
    });
}

export async function saveProduct(
  em: EntityManager,
  input: Partial<ProductInput>,
  existing?: Product,
): Promise<Product> {
  if (input.categoryId) await assertCategory(em, input.categoryId);
  const p = existing ?? em.create(Product, { categoryId: input.categoryId!, name: input.name! });
  em.assign(p, input);
  await flushNamed(em, { products_name_unique: 'A product' });
  return p;
}

/** A new product (`POST /products`): within the plan's product limit (403 PLAN_LIMIT_REACHED). */
export async function createProduct(
  em: EntityManager,
  input: ProductInput,
  plan: PlanScope,
): Promise<Product> {
  return em.transactional(async (tx) => {
    await enforceProductLimit(tx, plan);
    return saveProduct(tx, input);
  });
}

export async function addVariant(
  em: EntityManager,
  p: Product,
  input: VariantInput,
): Promise<ProductVariant> {
  const v = em.create(ProductVariant, {
    productId: p.id,
    name: input.name,
    priceDelta: BigInt(input.priceDelta ?? 0),
    position: input.position ?? 0,
    active: input.active ?? true,
  });
  await flushNamed(em, { product_variants_name_unique: 'A variant of this product' });
  return v;
}

export async function updateVariant(
  em: EntityManager,
  p: Product,
  variantId: string,
  input: Partial<VariantInput>,
): Promise<void> {
  const v = await em.findOne(ProductVariant, { id: variantId, productId: p.id });
  if (!v) throw notFound('Variant');
  const { priceDelta, ...rest } = input;
  em.assign(v, { ...rest, ...(priceDelta !== undefined && { priceDelta: BigInt(priceDelta) }) });
  await flushNamed(em, { product_variants_name_unique: 'A variant of this product' });
}

const choicesRefused = (min: number, max: number) =>
  new DomainError('INVALID_RANGE', `minChoices (${min}) is more than maxChoices (${max})`, {
    field: 'body.minChoices',
  });

export async function addGroup(em: EntityManager, p: Product, input: GroupInput): Promise<ModifierGroup> {
  const min = input.minChoices ?? 0;
  const max = input.maxChoices ?? 1;
  if (min > max) throw choicesRefused(min, max);
  const g = em.create(ModifierGroup, {
    productId: p.id,
    name: input.name,
    minChoices: min,
    maxChoices: max,
    position: input.position ?? 0,
  });
  for (const [n, m] of (input.modifiers ?? []).entries())
    em.create(Modifier, {
      groupId: g.id,
      name: m.name,
      priceDelta: BigInt(m.priceDelta ?? 0),
      position: m.position ?? n,
      active: m.active ?? true,
    });
  await flushNamed(em, {
    modifier_groups_name_unique: 'A modifier group of this product',
    modifiers_name_unique: 'A modifier of this group',
  });
  return g;
}

async function loadGroup(em: EntityManager, p: Product, groupId: string): Promise<ModifierGroup> {
  const g = await em.findOne(ModifierGroup, { id: groupId, productId: p.id });
  if (!g) throw notFound('Modifier group');
  return g;
}

export async function updateGroup(
  em: EntityManager,
  p: Product,
  groupId: string,
  input: Partial<Omit<GroupInput, 'modifiers'>>,
): Promise<void> {
  const g = await loadGroup(em, p, groupId);
  const min = input.minChoices ?? g.minChoices;
  const max = input.maxChoices ?? g.maxChoices;
  if (min > max) throw choicesRefused(min, max);
  em.assign(g, input);
  await flushNamed(em, { modifier_groups_name_unique: 'A modifier group of this product' });
}

export async function addModifier(em: EntityManager, p: Product, groupId: string, input: ModifierInput) {
  const g = await loadGroup(em, p, groupId);
  em.create(Modifier, {
    groupId: g.id,
    name: input.name,
    priceDelta: BigInt(input.priceDelta ?? 0),
    position: input.position ?? 0,
    active: input.active ?? true,
  });
  await flushNamed(em, { modifiers_name_unique: 'A modifier of this group' });
}

export async function updateModifier(
  em: EntityManager,
  p: Product,
  groupId: string,
  modifierId: string,
  input: Partial<ModifierInput>,
): Promise<void> {
  const g = await loadGroup(em, p, groupId);
  const m = await em.findOne(Modifier, { id: modifierId, groupId: g.id });
  if (!m) throw notFound('Modifier');
  const { priceDelta, ...rest } = input;
  em.assign(m, { ...rest, ...(priceDelta !== undefined && { priceDelta: BigInt(priceDelta) }) });
  await flushNamed(em, { modifiers_name_unique: 'A modifier of this group' });
}

/** Replaces a product's availability windows (an empty list: available whenever its branch sells it). */
export async function setAvailability(em: EntityManager, p: Product, windows: WindowInput[]): Promise<void> {
  for (const [n, w] of windows.entries()) {
    if (w.endsAt <= w.startsAt)
      throw new DomainError(
        'INVALID_RANGE',
        'A window ends after it starts (split one past midnight in two)',
        {
          field: `body.windows.${n}.endsAt`,
        },
      );
    const overlap = windows.findIndex(
      (o, i) => i !== n && o.weekday === w.weekday && o.startsAt < w.endsAt && w.startsAt < o.endsAt,
    );
    if (overlap >= 0)
      throw new DomainError(
        'WINDOWS_OVERLAP',
        `Windows ${Math.min(n, overlap)} and ${Math.max(n, overlap)} overlap`,
        {
          field: `body.windows.${n}`,
        },
      );
  }
  await em.nativeDelete(AvailabilityWindow, { productId: p.id });
  for (const w of windows) em.create(AvailabilityWindow, { productId: p.id, ...w });
  await em.flush();
}

/** Sets what a branch charges for a product (and whether it ran out); the first call needs a price and currency. */
export async function setBranchProduct(
  em: EntityManager,
  p: Product,
  branchId: string,
  input: BranchProductInput,
): Promise<BranchProduct> {
  const existing = await em.findOne(BranchProduct, { productId: p.id, branchId });
  if (!existing && (input.price === undefined || input.currency === undefined))
    throw new DomainError(
      'PRICE_NOT_SET',
      'The branch does not sell this product yet: give its price and currency',
      {
        field: 'body.price',
      },
    );
  const b =
    existing ??
    em.create(BranchProduct, {
      productId: p.id,
      branchId,
      price: BigInt(input.price!),
      currency: input.currency!,
    });
  if (input.price !== undefined) b.price = BigInt(input.price);
  if (input.currency !== undefined) b.currency = input.currency;
  if (input.outOfStock !== undefined) b.outOfStock = input.outOfStock;
  try {
    await em.flush();
  } catch (err) {
    // Two first prices at once: the other one is there now; this request answers as a conflict.
    if (isUniqueViolation(err, 'branch_products_unique'))
      throw new DomainError('CONFLICT', 'The price was set concurrently: read it and try again');
    throw err;
  }
  return b;
}

/** Stops selling a product in a branch. */
export async function removeBranchProduct(em: EntityManager, p: Product, branchId: string): Promise<void> {
  if (!(await em.nativeDelete(BranchProduct, { productId: p.id, branchId }))) throw notFound('Branch price');
}

// --- a branch's settings and its menu as it stands -----------------------------------------------------

export const presentBranchSettings = (s: BranchSettings) => ({
  branchId: s.branchId,
  timeZone: s.timeZone,
  updatedAt: s.updatedAt.toISOString(),
});

export async function branchSettings(em: EntityManager, branchId: string): Promise<BranchSettings> {
  const s = await em.findOne(BranchSettings, { branchId });
  if (!s)
    throw new DomainError(
      'BRANCH_NOT_CONFIGURED',
      "Set the branch's time zone first (PUT /branches/:branchId/settings)",
    );
  return s;
}

export async function setBranchSettings(
  em: EntityManager,
  branchId: string,
  input: { timeZone: string },
): Promise<BranchSettings> {
  const s =
    (await em.findOne(BranchSettings, { branchId })) ?? em.create(BranchSettings, { branchId, ...input });
  s.timeZone = input.timeZone;
  try {
    await em.flush();
  } catch (err) {
    if (isUniqueViolation(err, 'branch_settings_branch_unique'))
      throw new DomainError(
        'CONFLICT',
        "The branch's settings were set concurrently: read them and try again",
      );
    throw err;
  }
  return s;
}

/** Whether `windows` (of one product) let it be ordered at `local` (the branch's wall clock). */
export function availableAt(windows: AvailabilityWindow[], local: DateTime): boolean {
  if (!windows.length) return true;
  const hhmm = local.toFormat('HH:mm');
  return windows.some((w) => w.weekday === local.weekday && w.startsAt <= hhmm && hhmm < w.endsAt);
}

/**
 * The menu a branch sells, as it stands at `at`: active categories and products with a price in the
 * branch, each with the price of its variants and modifiers, `outOfStock`, and `available`
 * (`orderable` = available and not out of stock) from its windows on the branch's wall clock.
 */
export async function branchMenu(em: EntityManager, branchId: string, at: Date) {
  const settings = await branchSettings(em, branchId);
  const local = DateTime.fromJSDate(at).setZone(settings.timeZone);
  const sold = await em.find(BranchProduct, { branchId });
  const products = sold.length
    ? await em.find(
        Product,
        { id: { $in: sold.map((b) => b.productId) }, active: true },
        { orderBy: byPosition },
      )
    : [];
  const categories = products.length
    ? await em.find(
        Category,
        { id: { $in: [...new Set(products.map((p) => p.categoryId))] }, active: true },
        { orderBy: { position: 'asc', name: 'asc' } },
      )
    : [];
  const d = await productDetails(em, products, [branchId]);
  const priceOf = new Map(sold.map((b) => [b.productId, b]));
  return {
    branchId,
    timeZone: settings.timeZone,
    at: at.toISOString(),
    localTime: local.toFormat("yyyy-MM-dd'T'HH:mm"),
    categories: categories.map((c) => ({
      id: c.id,
      name: c.name,
      description: c.description,
      products: products
        .filter((p) => p.categoryId === c.id)
        .map((p) => {
          const b = priceOf.get(p.id)!;
          const available = availableAt(
            d.windows.filter((w) => w.productId === p.id),
            local,
          );
          return {
            id: p.id,
            name: p.name,
            description: p.description,
            price: b.price.toString(),
            currency: b.currency,
            outOfStock: b.outOfStock,
            available,
            orderable: available && !b.outOfStock,
            variants: d.variants
              .filter((v) => v.productId === p.id && v.active)
              .map((v) => ({ id: v.id, name: v.name, price: (b.price + v.priceDelta).toString() })),
            modifierGroups: d.groups
              .filter((g) => g.productId === p.id)
              .map((g) => ({
                id: g.id,
                name: g.name,
                minChoices: g.minChoices,
                maxChoices: g.maxChoices,
                modifiers: d.modifiers
                  .filter((m) => m.groupId === g.id && m.active)
                  .map((m) => ({ id: m.id, name: m.name, priceDelta: m.priceDelta.toString() })),
              })),
            images: d.images.filter((i) => i.productId === p.id).map(presentImage),
          };
        }),
    })),
  };
}
