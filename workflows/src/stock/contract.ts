/**
 * The low-stock alert's contract: one short process per crossing of a stock record's low-stock
 * threshold in a branch (`low-stock/<tenant>/<alertId>`, the alert being the service's outbox row
 * written in the transaction of the movement that crossed it). It emails (and tells in-app) every
 * holder of the notice's permission in that branch — identity's `roleHolders` — each once, retried
 * durably for up to `ALERT_RETRY_WINDOW` whatever SMTP or identity do: the sale never waits.
 *
 * Generic on purpose, like the renewal's `seller`: the input's `notice` names what ran low and who
 * is told, as the service says it — the gym store (`gymLowStockNotice`: `store.manage`,
 * `store.low_stock`) and the POS inventory (`inventory.manage`, `inventory.low_stock`). The process
 * calls no activity of the service (it only asks identity and notifications), so no service queue.
 * Histories recorded before `notice` existed carry the gym's product fields instead
 * (`GymLowStockInputV1`): the workflow reads them as the gym's notice, with the same commands.
 * Constants and types only: safe anywhere.
 *
 *   client.workflow.start<LowStockWorkflow>(LOW_STOCK_WORKFLOW_TYPE, { taskQueue: LOW_STOCK_TASK_QUEUE, … })
 */
import type { ProcessEventVariables } from '../notifications/contract.ts';
import { TASK_QUEUES } from '../queues.ts';

export const LOW_STOCK_WORKFLOW_TYPE = 'lowStockAlert';
export const LOW_STOCK_TASK_QUEUE = TASK_QUEUES.workflows;
export const lowStockWorkflowId = (tenantId: string, alertId: string): string =>
  `low-stock/${tenantId}/${alertId}`;

/** Who is told: the people who manage the store in the branch (managers; admins and owners inherit it). */
export const STORE_MANAGE_PERMISSION = 'store.manage';
/** How long identity and notifications are retried before the alert is given up. */
export const ALERT_RETRY_WINDOW = '1 hour';

/** The templates a low-stock notice sends (notifications' templates.ts): the gym store's, the POS inventory's. */
export type LowStockEvent = 'store.low_stock' | 'inventory.low_stock';

/** What ran low and who is told, as the service names it. */
export type LowStockNotice = { [E in LowStockEvent]: LowStockNoticeOf<E> }[LowStockEvent];

export interface LowStockNoticeOf<E extends LowStockEvent> {
  /** The service whose stock ran low (`gym`, `pos`). */
  service: string;
  /** Who is told: the holders of this permission in the branch. */
  permission: string;
  /** How the summary names them ("store manager", "inventory manager"). */
  audience: string;
  /** The notifications event (a template of notifications' templates.ts) and its variables. */
  event: E;
  variables: ProcessEventVariables[E];
  /** Added to the in-app data beside `alertId` and `branchId` (the stock record's ids). */
  data: Record<string, string>;
  /** What ran low, in one line: `«Leche entera» (SKU …): 2 left, threshold 3`. */
  head: string;
}

export interface LowStockInput {
  tenantId: string;
  /** The service's alert row (one per crossing). */
  alertId: string;
  branchId: string;
  notice: LowStockNotice;
}

/** The gym store's product, as histories recorded before `notice` carry it (and `gymLowStockNotice` takes). */
export interface GymLowStockInputV1 {
  tenantId: string;
  alertId: string;
  branchId: string;
  productId: string;
  productName: string;
  sku: string;
  /** Units the crossing movement left, and the threshold then. */
  quantity: number;
  threshold: number;
}

/** The gym store's notice: its store managers, `store.low_stock`. */
export const gymLowStockNotice = (p: {
  productId: string;
  productName: string;
  sku: string;
  quantity: number;
  threshold: number;
}): LowStockNoticeOf<'store.low_stock'> => ({
  service: 'gym',
  permission: STORE_MANAGE_PERMISSION,
  audience: 'store manager',
  event: 'store.low_stock',
  variables: { productName: p.productName, sku: p.sku, quantity: p.quantity, threshold: p.threshold },
  data: { productId: p.productId },
  head: `«${p.productName}» (SKU ${p.sku}): ${p.quantity} left, threshold ${p.threshold}`,
});

/** Who is told of a POS inventory item: the holders of `inventory.manage` in the branch (managers). */
export const INVENTORY_MANAGE_PERMISSION = 'inventory.manage';

export type LowStockState =
  /** Every holder was told (or at least one: `failed` counts those whose notification gave up). */
  | 'notified'
  /** Nobody holds the permission in the branch (or identity could not say within the window). */
  | 'nobody_to_tell';

export interface LowStockStatus {
  state: LowStockState;
  alertId: string;
  /** Holders told, and those whose notification failed after its retries. */
  told: number;
  failed: number;
  /** More holders than identity answers (`ROLE_HOLDERS_CAP`): the first ones by name were told. */
  truncated: boolean;
  /** One line a support person reads (what ran low, units left, threshold, how many were told). */
  summary: string;
}

export type LowStockWorkflow = (input: LowStockInput) => Promise<LowStockStatus>;
