/**
 * Crossings of a product's low-stock threshold (see ../low-stock.ts for the process they start):
 * `balance_after <= threshold < balance_before` — once per crossing.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { LowStockAlert } from './low-stock-entities.ts';
import type { Product, StockMovement } from './store-entities.ts';

/** The crossing `m` made of `product`'s threshold, written as an alert in `m`'s transaction (`tx`); null if none. */
export function alertOnCrossing(tx: EntityManager, product: Product, m: StockMovement): LowStockAlert | null {
  const crossed =
    m.quantity < 0 &&
    product.lowStockThreshold > 0 &&
    m.balanceAfter <= product.lowStockThreshold &&
    m.balanceAfter - m.quantity > product.lowStockThreshold;
  if (!crossed) return null;
  return tx.create(LowStockAlert, {
    tenantId: product.tenantId,
    productId: product.id,
    branchId: m.branchId,
    movementId: m.id,
    quantity: m.balanceAfter,
    threshold: product.lowStockThreshold,
    processStartedAt: null,
  });
}
