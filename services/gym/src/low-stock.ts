/**
 * Low stock, by email, durably. A movement out that crosses a product's threshold in a branch
 * (`balance_after <= threshold < balance_before`, so once per crossing: the next sale below it is
 * no crossing; stock back above it and down again is a new one) writes a `low_stock_alerts` row in
 * the movement's own transaction — the outbox. After the commit the API starts the alert's
 * `lowStockAlert` process (`low-stock/<tenant>/<alertId>`: `REJECT_DUPLICATE` + `USE_EXISTING`, so a
 * repeat is harmless) and marks the row; a crash in between leaves it unmarked for the sweeper
 * beside the gym worker (`lowStockSweeper`). The process asks identity for the store managers of
 * the branch and notifies each once: nothing of it (identity, SMTP) is in the sale's path.
 *
 * An alert whose units came back before its process started (the sale's payment was refused and
 * reversed, so the stock is above the threshold again) is settled without a process: nobody is
 * told of a shortage that no longer exists.
 */
import type { Client } from '@temporalio/client';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  recordSweeper,
  startProcessOnce,
  sweepRecords,
  type BackgroundJob,
  type Logger,
  type Orm,
  type RecordSweep,
} from '@faena/platform';
import {
  gymLowStockNotice,
  LOW_STOCK_WORKFLOW_TYPE,
  lowStockWorkflowId,
  type LowStockWorkflow,
} from '@faena/workflows/stock/contract';
import { LowStockAlert } from './domain/low-stock-entities.ts';
import { Product, StockLevel } from './domain/store-entities.ts';

async function markStarted(em: EntityManager, alert: LowStockAlert): Promise<void> {
  const now = new Date();
  await em.nativeUpdate(LowStockAlert, { id: alert.id, processStartedAt: null }, { processStartedAt: now });
  alert.processStartedAt ??= now;
}

/**
 * Starts the alert's process unless it was (answers whether one runs); an alert whose stock is back
 * above its threshold is settled instead (false). A failed start throws: the row stays unmarked.
 */
export async function ensureLowStockProcess(
  em: EntityManager,
  temporal: Client,
  taskQueue: string,
  alert: LowStockAlert,
): Promise<boolean> {
  if (alert.processStartedAt) return true;
  const [product, level] = await Promise.all([
    em.findOneOrFail(Product, { id: alert.productId }),
    em.findOne(StockLevel, { productId: alert.productId, branchId: alert.branchId }, { refresh: true }),
  ]);
  if ((level?.quantity ?? 0) > alert.threshold) {
    await markStarted(em, alert);
    return false;
  }
  await startProcessOnce<LowStockWorkflow>(temporal, LOW_STOCK_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: lowStockWorkflowId(alert.tenantId, alert.id),
    args: [
      {
        tenantId: alert.tenantId,
        alertId: alert.id,
        branchId: alert.branchId,
        notice: gymLowStockNotice({
          productId: product.id,
          productName: product.name,
          sku: product.sku,
          quantity: alert.quantity,
          threshold: alert.threshold,
        }),
      },
    ],
    searchAttributes: {
      TenantId: [alert.tenantId],
      BusinessKey: [`low-stock:${alert.id}`],
      ProcessStatus: ['notifying'],
    },
    staticSummary: `Low stock · ${product.name} (SKU ${product.sku}) · ${alert.quantity} left, threshold ${alert.threshold}`,
    staticDetails: `Alert ${alert.id}: product ${product.id} in branch ${alert.branchId} crossed its threshold (movement ${alert.movementId}); the branch's store managers are told by email and in-app.`,
  });
  await markStarted(em, alert);
  return true;
}

export interface LowStockSweeperDeps {
  orm: Orm;
  temporal: Client;
  /** The process's queue (the contract's; tests name one no worker polls). */
  taskQueue: string;
  logger: Logger;
}

/** An alert this old without a process is the sweeper's (the API had its chance). */
export const LOW_STOCK_SWEEP_GRACE_MS = 30_000;
export const LOW_STOCK_SWEEP_EVERY_MS = 30_000;

/** The unstarted alerts of every business. */
const lowStockSweep = (deps: LowStockSweeperDeps): RecordSweep<LowStockAlert> => ({
  name: 'low-stock sweep',
  entity: LowStockAlert,
  where: { processStartedAt: null },
  ageField: 'createdAt',
  idLabel: 'alertId',
  graceMs: LOW_STOCK_SWEEP_GRACE_MS,
  everyMs: LOW_STOCK_SWEEP_EVERY_MS,
  handle: (em, alert) => ensureLowStockProcess(em, deps.temporal, deps.taskQueue, alert),
});

/** One pass: starts (or settles) every alert older than the grace that has no process yet. */
export async function sweepLowStock(
  deps: LowStockSweeperDeps,
  opts: { now?: Date; graceMs?: number } = {},
): Promise<{ started: number; settled: number; failed: number; more: boolean }> {
  const pass = await sweepRecords(deps, lowStockSweep(deps), opts);
  return { started: pass.done, settled: pass.skipped, failed: pass.failed, more: pass.more };
}

/** The sweeper as a job beside the worker (`background` of runWorker). */
export const lowStockSweeper = (
  deps: LowStockSweeperDeps,
  opts: { everyMs?: number; graceMs?: number } = {},
): BackgroundJob => recordSweeper(deps, lowStockSweep(deps), opts);
