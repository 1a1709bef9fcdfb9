/**
 * POS low stock, delivered durably — the gym store's way (services/gym/src/low-stock.ts), through
 * the same `lowStockAlert` process (workflows/src/stock). A movement that leaves an item's stock in a
 * branch at or below its threshold writes an `inventory_alerts` row in its own transaction (the
 * outbox: domain/inventory.ts). After the commit the API starts the alert's process
 * (`low-stock/<tenant>/<alertId>`: `REJECT_DUPLICATE` + `USE_EXISTING`, so a repeat is harmless)
 * and sets the row's `delivered_at` (handed to its process); a crash in between leaves it null for
 * the sweeper beside the POS worker (`lowStockSweeper`). The process asks identity for the holders
 * of `inventory.manage` in the branch and sends each the `inventory.low_stock` template once.
 *
 * An alert whose stock is back above its threshold before its process started (a purchase or a
 * refund came first) is settled without a process: nobody is told of a shortage that is over.
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
  INVENTORY_MANAGE_PERMISSION,
  LOW_STOCK_WORKFLOW_TYPE,
  lowStockWorkflowId,
  type LowStockNotice,
  type LowStockWorkflow,
} from '@faena/workflows/stock/contract';
import { InventoryAlert, InventoryItem, InventoryStock } from './domain/inventory-entities.ts';
import { formatQuantity } from './domain/inventory-units.ts';

/** The POS inventory's notice: the branch's inventory managers, `inventory.low_stock`. */
export function inventoryLowStockNotice(alert: InventoryAlert, item: InventoryItem): LowStockNotice {
  const quantity = `${formatQuantity(alert.quantity)} ${item.baseUnit}`;
  const threshold = `${formatQuantity(alert.threshold)} ${item.baseUnit}`;
  return {
    service: 'pos',
    permission: INVENTORY_MANAGE_PERMISSION,
    audience: 'inventory manager',
    event: 'inventory.low_stock',
    // POS does not know branch names (identity's directory answers ids): the branch is its id.
    variables: { itemName: item.name, branchName: alert.branchId, quantity, threshold },
    data: { itemId: item.id },
    head: `«${item.name}»: ${quantity} left, threshold ${threshold}`,
  };
}

async function markDelivered(em: EntityManager, alert: InventoryAlert): Promise<void> {
  const now = new Date();
  await em.nativeUpdate(InventoryAlert, { id: alert.id, deliveredAt: null }, { deliveredAt: now });
  alert.deliveredAt ??= now;
}

/**
 * Starts the alert's process unless it was (answers whether one runs); an alert whose stock is back
 * above its threshold is settled instead (false). A failed start throws: the row stays undelivered.
 */
export async function ensureLowStockProcess(
  em: EntityManager,
  temporal: Client,
  taskQueue: string,
  alert: InventoryAlert,
): Promise<boolean> {
  if (alert.deliveredAt) return true;
  const [item, stock] = await Promise.all([
    em.findOneOrFail(InventoryItem, { id: alert.itemId }),
    em.findOne(InventoryStock, { itemId: alert.itemId, branchId: alert.branchId }, { refresh: true }),
  ]);
  if ((stock?.quantity ?? 0n) > alert.threshold) {
    await markDelivered(em, alert);
    return false;
  }
  const notice = inventoryLowStockNotice(alert, item);
  await startProcessOnce<LowStockWorkflow>(temporal, LOW_STOCK_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: lowStockWorkflowId(alert.tenantId, alert.id),
    args: [{ tenantId: alert.tenantId, alertId: alert.id, branchId: alert.branchId, notice }],
    searchAttributes: {
      TenantId: [alert.tenantId],
      BusinessKey: [`low-stock:${alert.id}`],
      ProcessStatus: ['notifying'],
    },
    staticSummary: `Low inventory · ${notice.head}`,
    staticDetails: `Alert ${alert.id}: POS item ${item.id} in branch ${alert.branchId} crossed its threshold (movement ${alert.movementId}); the branch's inventory managers are told by email and in-app.`,
  });
  await markDelivered(em, alert);
  return true;
}

/**
 * After a movement's commit: starts the process of each alert it raised (best effort — a failed
 * start is logged and left to the sweeper; the movement stands either way).
 */
export async function deliverLowStock(
  deps: { temporal: Client; lowStockTaskQueue: string; logger: Logger },
  em: EntityManager,
  alerts: InventoryAlert[],
): Promise<void> {
  for (const alert of alerts) {
    try {
      await ensureLowStockProcess(em, deps.temporal, deps.lowStockTaskQueue, alert);
    } catch (err) {
      deps.logger.warn('low-stock alert not started; the sweeper starts it', {
        alertId: alert.id,
        error: String(err),
      });
    }
  }
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

/** The undelivered alerts of every business (index inventory_alerts_undelivered_index). */
const lowStockSweep = (deps: LowStockSweeperDeps): RecordSweep<InventoryAlert> => ({
  name: 'pos low-stock sweep',
  entity: InventoryAlert,
  where: { deliveredAt: null },
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
