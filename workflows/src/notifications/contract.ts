/**
 * What processes need of notifications: the events they send, the variables of each, and the one
 * activity (`notify`) the notifications worker serves on its queue. The notifications catalog
 * (services/notifications/src/domain/templates.ts) must have every event here with variables that
 * accept these (checked at compile time there, with `satisfies` on its activities).
 */
import { TASK_QUEUES } from '../queues.ts';

export const NOTIFICATIONS_TASK_QUEUE = TASK_QUEUES.notifications;

/** Minor units as a decimal string (bigint-safe) and the ISO 4217 currency. */
export interface MoneyVariable {
  amount: string;
  currency: string;
}

/** The variables of every event a process sends (the deal's title names it in every message). */
export interface ProcessEventVariables {
  'escrow.funded': { title: string; amount: MoneyVariable };
  /** Sent by deals started before `escrow-v2` only. */
  'escrow.payment_expired': { title: string; amount: MoneyVariable };
  'escrow.payment_failed': { title: string; amount: MoneyVariable; reason: string };
  'escrow.late_refund': { title: string; amount: MoneyVariable };
  'escrow.delayed': { title: string };
  'escrow.completed': { title: string; amount: MoneyVariable };
  'escrow.disputed': { title: string; amount: MoneyVariable; reason: string };
  'escrow.resolved': { title: string; refund: MoneyVariable; payout: MoneyVariable };
  'escrow.cancelled': { title: string; amount: MoneyVariable; reason: string };
  'escrow.released': { title: string; amount: MoneyVariable };
  /** A gym incident nobody acknowledged within its SLA went to the next role (`role`). */
  'incident.escalated': { title: string; priority: string; role: string; dueAt: string };
  /** A product crossed its low-stock threshold in a branch (units left and the threshold then). */
  'store.low_stock': { productName: string; sku: string; quantity: number; threshold: number };
  /** A POS inventory item crossed its threshold in a branch (decimal quantities with their unit, "2.5 kg"). */
  'inventory.low_stock': { itemName: string; branchName: string; quantity: string; threshold: string };
  /**
   * A kitchen ticket that did not print before its expiry (its PDF attached). POS does not know
   * branch names: `branchName` is the station's name ("sin imprimir en Cocina"), `printerName` the
   * station and its address.
   */
  'print.fallback': { branchName: string; orderNumber: string; printerName: string };
  /** Renewal (gym memberships): `renewsOn` / `retryOn` are calendar days (YYYY-MM-DD) in the business's zone. */
  'membership.renewal_reminder': { name: string; planName: string; renewsOn: string; amount: MoneyVariable };
  'membership.renewed': { name: string; planName: string; amount: MoneyVariable; endsOn: string };
  'membership.charge_failed': {
    name: string;
    planName: string;
    amount: MoneyVariable;
    attempt: number;
    attempts: number;
    retryOn: string;
  };
  'membership.expired': { name: string; planName: string; amount: MoneyVariable };
  /** The renewal charged, the next period could not be given and the refund failed: it waits for the business. */
  'membership.refund_delayed': { name: string; planName: string; amount: MoneyVariable };
  /**
   * A business's SaaS plan (issue 18), renewed by the same process and told to its owner: `name` is
   * the business, `checkoutUrl` the MercadoPago checkout that pays the open charge.
   */
  'subscription.trial_ending': { name: string; planName: string; renewsOn: string; amount: MoneyVariable };
  'subscription.renewal_reminder': {
    name: string;
    planName: string;
    renewsOn: string;
    amount: MoneyVariable;
  };
  'subscription.renewed': { name: string; planName: string; amount: MoneyVariable; endsOn: string };
  'subscription.payment_failed': {
    name: string;
    planName: string;
    amount: MoneyVariable;
    attempt: number;
    attempts: number;
    retryOn: string;
    checkoutUrl: string;
  };
  'subscription.payment_due': {
    name: string;
    planName: string;
    amount: MoneyVariable;
    payBy: string;
    checkoutUrl: string;
  };
  'subscription.suspended': { name: string; planName: string; amount: MoneyVariable; checkoutUrl: string };
  'subscription.reactivated': { name: string; planName: string; amount: MoneyVariable; endsOn: string };
  'subscription.expired': { name: string; planName: string; amount: MoneyVariable };
  /** Gym waitlist: `when` is the class's local start with its zone, `expiresAt` an ISO instant. */
  'gym.booking_confirmed': { className: string; when: string };
  'gym.seat_offered': { className: string; when: string; holdMinutes: number; expiresAt: string };
  'gym.seat_offer_expired': { className: string; when: string };
  'gym.class_cancelled': { className: string; when: string; reason: string };
  /** A late cancel's or a no-show's fee the class's process could not charge: the desk will. */
  'gym.penalty_declined': { className: string; when: string; amount: MoneyVariable; reason: string };
  /** POS nightly cash closure, mailed with its PDF and CSV (`businessDate` YYYY-MM-DD; `cashDifference`: the day's absolute differences summed). */
  'cash.daily_report': {
    branchName: string;
    businessDate: string;
    totalSales: MoneyVariable;
    cashDifference: MoneyVariable;
  };
  /** A closure's differences still wait for a manager's approval (the reminder). */
  'cash.closure_approval_reminder': {
    branchName: string;
    businessDate: string;
    cashDifference: MoneyVariable;
  };
  /** A closure's differences waited past the escalation time: the owners are told. */
  'cash.closure_approval_escalated': {
    branchName: string;
    businessDate: string;
    cashDifference: MoneyVariable;
  };
}
export type ProcessEvent = keyof ProcessEventVariables;

export interface ProcessNotification<E extends ProcessEvent = ProcessEvent> {
  /** Idempotency key: the same key twice notifies once (e.g. `<workflowId>/<step>`). */
  key: string;
  tenantId?: string;
  event: E;
  recipient?: { userId?: string; email?: string; locale?: string; roles?: string[] };
  variables: ProcessEventVariables[E];
  /** Business data for webhooks and the in-app entry (ids, no personal data). */
  data?: Record<string, unknown>;
  /** Files mailed with the email (at most 5; base64: they travel in the activity's payload). */
  attachments?: Array<{ filename: string; contentType: string; contentBase64: string }>;
}

export interface NotifyResult {
  /** True when the key had been seen: nothing new was recorded. */
  replayed: boolean;
  notifications: Array<{ id: string; channel: string; status: string; attempts: number }>;
  webhookDeliveries: number;
}

/**
 * The notifications worker's activities. Failures a retry cannot fix (a template variable missing)
 * are non-retryable; delivery problems are retried by the outbox, not by the caller.
 */
export interface NotificationActivities {
  notify<E extends ProcessEvent>(input: ProcessNotification<E>): Promise<NotifyResult>;
}
