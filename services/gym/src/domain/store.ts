/**
 * The store: products, stock per branch with its kardex, and sales paid through payments.
 *
 * **Stock never goes negative, in the database.** Every movement is one conditional
 * `update stock_levels set quantity = quantity + ? where … and quantity + ? >= 0` (the row lock
 * serialises concurrent movements of one product in one branch, and `CHECK (quantity >= 0)` is the
 * backstop), in the transaction of its kardex line, which records the balance it left. N concurrent
 * sales of the last K units: K take them, the others are 409 `OUT_OF_STOCK`.
 *
 * **A sale takes its units first, then asks payments** (the caller's token, `Idempotency-Key:
 * gym-sale:<id>`, like a membership purchase; the member's wallet or cash into a reception drawer's
 * open session): a refusal (empty wallet, wrong payer code, a drawer not open) marks the
 * sale failed and gives every unit back (`sale_reversed` lines), so nothing is lost; payments
 * unreachable leaves it pending with its units held for the retry of the same request (its scoped
 * key finds the sale; payments replays its first answer, so nothing is charged twice).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { raw } from '@mikro-orm/core';
import {
  DomainError,
  assertDrawer,
  notFound,
  type PaymentAnswer,
  type PaymentsClient,
} from '@faena/platform';
import { isUniqueViolation } from '@faena/platform';
import { alertOnCrossing } from './low-stock.ts';
import type { LowStockAlert } from './low-stock-entities.ts';
import type { ProductImage } from './store-entities.ts';
import {
  Product,
  Sale,
  SaleLine,
  StockLevel,
  StockMovement,
  type MovementReason,
  type SalePaymentMethod,
} from './store-entities.ts';

export interface ProductInput {
  sku: string;
  name: string;
  description?: string;
  category: string;
  price: number;
  currency: string;
  lowStockThreshold?: number;
  active?: boolean;
}

export const presentProduct = (p: Product, images: ProductImage[] = []) => ({
  id: p.id,
  sku: p.sku,
  name: p.name,
  description: p.description,
  category: p.category,
  price: p.price.toString(),
  currency: p.currency,
  lowStockThreshold: p.lowStockThreshold,
  active: p.active,
  images: images
    .filter((i) => i.productId === p.id)
    .map((i) => ({ id: i.id, contentType: i.contentType, size: i.size })),
  createdAt: p.createdAt.toISOString(),
  updatedAt: p.updatedAt.toISOString(),
});

export const presentStock = (s: StockLevel, p: Product) => ({
  productId: s.productId,
  branchId: s.branchId,
  quantity: s.quantity,
  lowStock: p.lowStockThreshold > 0 && s.quantity <= p.lowStockThreshold,
  updatedAt: s.updatedAt.toISOString(),
});

export const presentMovement = (m: StockMovement) => ({
  id: m.id,
  productId: m.productId,
  branchId: m.branchId,
  quantity: m.quantity,
  reason: m.reason,
  note: m.note ?? null,
  saleId: m.saleId ?? null,
  balanceAfter: m.balanceAfter,
  createdAt: m.createdAt.toISOString(),
  createdBy: m.createdBy ?? null,
});

export const presentSale = (s: Sale, lines: SaleLine[]) => ({
  id: s.id,
  branchId: s.branchId,
  memberId: s.memberId ?? null,
  payerId: s.payerId,
  status: s.status,
  total: s.total.toString(),
  currency: s.currency,
  payment: { method: s.paymentMethod, id: s.paymentId ?? null },
  failureReason: s.failureReason ?? null,
  lines: lines
    .filter((l) => l.saleId === s.id)
    .map((l) => ({
      productId: l.productId,
      quantity: l.quantity,
      unitPrice: l.unitPrice.toString(),
      amount: l.amount.toString(),
    })),
  createdAt: s.createdAt.toISOString(),
});

const skuTaken = () =>
  new DomainError('ALREADY_EXISTS', 'Another product of the business has this SKU', { field: 'body.sku' });

async function saveProduct(em: EntityManager): Promise<void> {
  try {
    await em.flush();
  } catch (err) {
    if (isUniqueViolation(err, 'products_sku_unique')) throw skuTaken();
    throw err;
  }
}

export async function createProduct(em: EntityManager, input: ProductInput): Promise<Product> {
  const p = em.create(Product, {
    sku: input.sku,
    name: input.name,
    description: input.description ?? '',
    category: input.category,
    price: BigInt(input.price),
    currency: input.currency,
    lowStockThreshold: input.lowStockThreshold ?? 0,
    active: input.active ?? true,
  });
  await saveProduct(em);
  return p;
}

export async function updateProduct(
  em: EntityManager,
  p: Product,
  patch: Partial<ProductInput>,
): Promise<Product> {
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    Object.assign(p, { [k]: k === 'price' ? BigInt(v as number) : v });
  }
  await saveProduct(em);
  return p;
}

export async function loadProduct(em: EntityManager, id: string): Promise<Product> {
  const p = await em.findOne(Product, { id });
  if (!p) throw notFound('Product');
  return p;
}

/** The product's stock row in the branch (created at 0 the first time, whoever races). */
async function stockRow(tx: EntityManager, productId: string, branchId: string): Promise<void> {
  const found = await tx.count(StockLevel, { productId, branchId });
  if (found) return;
  try {
    await tx.transactional(async (inner) => {
      inner.create(StockLevel, { productId, branchId, quantity: 0 });
      await inner.flush();
    });
  } catch (err) {
    if (!isUniqueViolation(err, 'stock_levels_unique')) throw err;
  }
}

const outOfStock = (what: string, field?: string) =>
  new DomainError('OUT_OF_STOCK', `Not enough units of ${what} in this branch`, field ? { field } : {});

/**
 * Moves `quantity` (signed) of a product in a branch inside `tx` and writes its kardex line: one
 * conditional update, refused with 409 OUT_OF_STOCK when it would leave fewer than zero units.
 */
async function move(
  tx: EntityManager,
  product: Product,
  branchId: string,
  quantity: number,
  line: { reason: MovementReason; note?: string | null; saleId?: string | null; field?: string },
): Promise<StockMovement> {
  if (quantity > 0) await stockRow(tx, product.id, branchId);
  const moved = await tx.nativeUpdate(
    StockLevel,
    { productId: product.id, branchId, quantity: { $gte: -quantity } },
    { quantity: raw(`quantity + ${Math.trunc(quantity)}`) },
  );
  if (moved !== 1) throw outOfStock(product.name, line.field);
  const level = await tx.findOneOrFail(StockLevel, { productId: product.id, branchId }, { refresh: true });
  return tx.create(StockMovement, {
    productId: product.id,
    branchId,
    quantity,
    reason: line.reason,
    note: line.note ?? null,
    saleId: line.saleId ?? null,
    balanceAfter: level.quantity,
  });
}

/**
 * A product that crossed its threshold in a branch with a movement out, and its alert — written in
 * the movement's transaction (`../low-stock.ts`: the outbox the email rides).
 */
export interface LowStock {
  product: Product;
  branchId: string;
  quantity: number;
  alert: LowStockAlert;
}

const lowAfter = (tx: EntityManager, product: Product, m: StockMovement): LowStock | null => {
  const alert = alertOnCrossing(tx, product, m);
  return alert ? { product, branchId: m.branchId, quantity: m.balanceAfter, alert } : null;
};

/** Records a movement by hand (received, adjustment, loss, returned). */
export async function recordMovement(
  em: EntityManager,
  product: Product,
  input: { branchId: string; quantity: number; reason: MovementReason; note?: string | null },
): Promise<{ movement: StockMovement; low: LowStock | null }> {
  return em.transactional(async (tx) => {
    const movement = await move(tx, product, input.branchId, input.quantity, {
      reason: input.reason,
      note: input.note ?? null,
      field: 'body.quantity',
    });
    const low = lowAfter(tx, product, movement);
    await tx.flush();
    return { movement, low };
  });
}

export interface SaleInput {
  branchId: string;
  lines: Array<{ productId: string; quantity: number }>;
  payerId: string;
  memberId: string | null;
  method: SalePaymentMethod;
  payerCode?: string | undefined;
  /** cash: the reception drawer whose open cash session takes it. */
  drawerId?: string | undefined;
  /** The request's scoped Idempotency-Key. */
  saleKey: string;
}

/** Gives a sale's units back and marks it failed (once: only a pending sale is reversed). */
async function reverse(em: EntityManager, saleId: string, reason: string): Promise<void> {
  await em.transactional(async (tx) => {
    const failed = await tx.nativeUpdate(
      Sale,
      { id: saleId, status: 'pending_payment' },
      { status: 'failed', failureReason: reason.slice(0, 300) },
    );
    if (failed !== 1) return;
    const lines = await tx.find(SaleLine, { saleId });
    const products = new Map(
      (await tx.find(Product, { id: { $in: lines.map((l) => l.productId) } })).map((p) => [p.id, p]),
    );
    const sale = await tx.findOneOrFail(Sale, { id: saleId }, { refresh: true });
    for (const l of lines)
      await move(tx, products.get(l.productId)!, sale.branchId, l.quantity, {
        reason: 'sale_reversed',
        saleId,
      });
    await tx.flush();
  });
}

/** What payments answered, applied: captured pays the sale, failed or cancelled reverses it. */
async function applyPayment(em: EntityManager, sale: Sale, p: PaymentAnswer): Promise<void> {
  if (['captured', 'held', 'partially_refunded'].includes(p.status))
    await em.nativeUpdate(
      Sale,
      { id: sale.id, status: 'pending_payment' },
      { status: 'paid', paymentId: p.id },
    );
  else if (['failed', 'cancelled'].includes(p.status)) {
    await em.nativeUpdate(Sale, { id: sale.id }, { paymentId: p.id });
    await reverse(em, sale.id, `payment ${p.status}${p.failureReason ? `: ${p.failureReason}` : ''}`);
  } else await em.nativeUpdate(Sale, { id: sale.id }, { paymentId: p.id });
}

/**
 * Sells: the units leave the branch's stock with the sale row (all or nothing, products in id order
 * so two sales never deadlock), then payments is asked; see the file's comment.
 */
export async function sell(
  em: EntityManager,
  payments: PaymentsClient,
  token: string,
  input: SaleInput,
): Promise<{ sale: Sale; lines: SaleLine[]; low: LowStock[]; created: boolean }> {
  let sale = await em.findOne(Sale, { saleKey: input.saleKey });
  const created = !sale;
  const low: LowStock[] = [];
  if (!sale) {
    assertDrawer(input.method, input.drawerId);
    const wanted = new Map<string, number>();
    for (const l of input.lines) wanted.set(l.productId, (wanted.get(l.productId) ?? 0) + l.quantity);
    const ids = [...wanted.keys()].sort();
    const products = await em.find(Product, { id: { $in: ids } });
    const byId = new Map(products.map((p) => [p.id, p]));
    ids.forEach((pid, i) => {
      const p = byId.get(pid);
      if (!p || !p.active)
        throw new DomainError('NOT_FOUND', 'Product not found or no longer sold', {
          field: `body.lines.${i}.productId`,
        });
    });
    const currencies = new Set(products.map((p) => p.currency));
    if (currencies.size !== 1)
      throw new DomainError('VALIDATION_FAILED', 'A sale is in one currency', { field: 'body.lines' });
    const total = ids.reduce((sum, pid) => sum + byId.get(pid)!.price * BigInt(wanted.get(pid)!), 0n);
    try {
      sale = await em.transactional(async (tx) => {
        const s = tx.create(Sale, {
          branchId: input.branchId,
          memberId: input.memberId,
          payerId: input.payerId,
          total,
          currency: products[0]!.currency,
          paymentMethod: input.method,
          saleKey: input.saleKey,
        });
        for (const pid of ids) {
          const p = byId.get(pid)!;
          const q = wanted.get(pid)!;
          tx.create(SaleLine, {
            saleId: s.id,
            productId: pid,
            quantity: q,
            unitPrice: p.price,
            amount: p.price * BigInt(q),
          });
          const m = await move(tx, p, input.branchId, -q, {
            reason: 'sale',
            saleId: s.id,
            field: `body.lines.${input.lines.findIndex((l) => l.productId === pid)}.quantity`,
          });
          const l = lowAfter(tx, p, m);
          if (l) low.push(l);
        }
        await tx.flush();
        return s;
      });
    } catch (err) {
      // The same sale raced itself (a duplicate the idempotency lock let through): take the first's row.
      if (!isUniqueViolation(err, 'sales_sale_key_unique')) throw err;
      em.clear();
      low.length = 0;
      sale = await em.findOneOrFail(Sale, { saleKey: input.saleKey });
    }
  }
  if (sale.status === 'pending_payment') {
    let answer: PaymentAnswer;
    try {
      answer = await payments.create(token, `gym-sale:${sale.id}`, {
        amount: sale.total,
        currency: sale.currency,
        method: sale.paymentMethod,
        payerId: sale.payerId,
        branchId: sale.branchId,
        purpose: 'gym_store_sale',
        reference: `sale:${sale.id}`,
        payerCode: input.payerCode,
        drawerId: input.drawerId,
      });
    } catch (err) {
      if (err instanceof DomainError && err.status < 500)
        await reverse(em, sale.id, `payment refused: ${err.code}`);
      throw err;
    }
    await applyPayment(em, sale, answer);
    sale = await em.findOneOrFail(Sale, { id: sale.id }, { refresh: true });
  }
  const lines = await em.find(SaleLine, { saleId: sale.id });
  return { sale, lines, low: sale.status === 'failed' ? [] : low, created };
}
