/**
 * The low-stock alert's contract: one short process per crossing of a product's low-stock threshold
 * in a gym branch (`low-stock/<tenant>/<alertId>`, the alert being the store's outbox row written in
 * the transaction of the movement that crossed it). It emails (and tells in-app) every holder of
 * `STORE_MANAGE_PERMISSION` in that branch — identity's `roleHolders` — each once, retried durably
 * for up to `ALERT_RETRY_WINDOW` whatever SMTP or identity do: the sale never waits for any of it.
 * Constants and types only: safe anywhere.
 *
 *   client.workflow.start<LowStockWorkflow>(LOW_STOCK_WORKFLOW_TYPE, { taskQueue: LOW_STOCK_TASK_QUEUE, … })
 */
import { TASK_QUEUES } from '../queues.ts';

export const LOW_STOCK_WORKFLOW_TYPE = 'lowStockAlert';
export const LOW_STOCK_TASK_QUEUE = TASK_QUEUES.workflows;
export const lowStockWorkflowId = (tenantId: string, alertId: string): string =>
  `low-stock/${tenantId}/${alertId}`;

/** Who is told: the people who manage the store in the branch (managers; admins and owners inherit it). */
export const STORE_MANAGE_PERMISSION = 'store.manage';
/** How long identity and notifications are retried before the alert is given up. */
export const ALERT_RETRY_WINDOW = '1 hour';

export interface LowStockInput {
  tenantId: string;
  /** The store's alert row (one per crossing). */
  alertId: string;
  branchId: string;
  productId: string;
  productName: string;
  sku: string;
  /** Units the crossing movement left, and the threshold then. */
  quantity: number;
  threshold: number;
}

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
  /** One line a support person reads (product, SKU, units left, threshold, how many were told). */
  summary: string;
}

export type LowStockWorkflow = (input: LowStockInput) => Promise<LowStockStatus>;
