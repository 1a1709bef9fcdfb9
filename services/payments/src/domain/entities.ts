import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { auditProperties, idProperty, moneyProperty, tenantProperty } from '@faena/platform';

export const ACCOUNT_KINDS = [
  'customer_wallet',
  'professional_payable',
  'merchant_revenue',
  'platform_escrow',
  'platform_revenue',
  'cash_drawer',
  'provider_clearing',
  /** The business's cash outside the drawers (the safe, the bank run): the other side of floats and cash in/out. */
  'cash_safe',
  /** What counted cash differed from the expected at the close of cash sessions. */
  'cash_over_short',
] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

export const PAYMENT_METHODS = ['wallet', 'cash', 'card', 'transfer', 'mercadopago'] as const;
export const PAYMENT_STATUSES = [
  'pending',
  'authorized',
  'held',
  'captured',
  'settled',
  'failed',
  'cancelled',
  'refunded',
  'partially_refunded',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * A ledger account. `balance` is maintained by the database (a trigger on postings) and equals the
 * sum of the account's postings; wallets and payables may never go negative (a CHECK constraint).
 */
export const Account = defineEntity({
  name: 'Account',
  tableName: 'accounts',
  properties: {
    ...idProperty,
    ...tenantProperty,
    kind: p.enum(ACCOUNT_KINDS),
    /** The user (wallet, payable) or drawer (cash drawer) the account belongs to; null for business accounts. */
    ownerId: p.uuid().nullable(),
    /** The branch of a cash drawer's account (ledger branch scoping); null for every other account. */
    branchId: p.uuid().nullable(),
    currency: p.string().length(3),
    balance: moneyProperty().default(0),
    allowNegative: p.boolean().default(false),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
  },
});
export type Account = InferEntity<typeof Account>;

export const JournalEntry = defineEntity({
  name: 'JournalEntry',
  tableName: 'journal_entries',
  properties: {
    ...idProperty,
    ...tenantProperty,
    kind: p.string().length(32),
    idempotencyKey: p.string().length(300),
    paymentId: p.uuid().nullable(),
    description: p.string().length(500).default(''),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
  },
});
export type JournalEntry = InferEntity<typeof JournalEntry>;

export const Posting = defineEntity({
  name: 'Posting',
  tableName: 'postings',
  properties: {
    ...idProperty,
    ...tenantProperty,
    entryId: p.uuid().index(),
    accountId: p.uuid().index(),
    amount: moneyProperty(),
    currency: p.string().length(3),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
  },
});
export type Posting = InferEntity<typeof Posting>;

/** A payment intent: money asked of a payer, through a method, for a purpose, moved by a state machine. */
export const Payment = defineEntity({
  name: 'Payment',
  tableName: 'payments',
  properties: {
    ...idProperty,
    ...tenantProperty,
    amount: moneyProperty(),
    currency: p.string().length(3),
    method: p.enum(PAYMENT_METHODS),
    status: p.enum(PAYMENT_STATUSES).default('pending'),
    payerId: p.uuid().index(),
    payeeId: p.uuid().nullable().index(),
    /** The branch that took it (its cash drawer's for cash); null for tenant-level payments (marketplace, online). */
    branchId: p.uuid().nullable().index(),
    /** The drawer that took (cash) or recorded it at a counter; null otherwise. */
    drawerId: p.uuid().nullable(),
    /** The cash session open on that drawer when it was taken: its expected amounts include this payment. */
    cashSessionId: p.uuid().nullable().index(),
    purpose: p.string().length(64),
    reference: p.string().length(200),
    /** Whether captured funds wait in escrow (marketplace) instead of going straight to the payee. */
    escrow: p.boolean().default(false),
    capturedAmount: moneyProperty().default(0),
    refundedAmount: moneyProperty().default(0),
    provider: p.string().length(32).nullable(),
    providerPaymentId: p.string().length(64).nullable(),
    providerStatus: p.string().length(32).nullable(),
    /** Payment page for the payer (provider checkout), when there is one. */
    checkoutUrl: p.text().nullable(),
    /** The workflow waiting for this payment's outcome, signalled when the provider reports it. */
    workflowId: p.string().length(255).nullable(),
    idempotencyKey: p.string().length(300),
    failureReason: p.string().length(200).nullable(),
    ...auditProperties,
  },
});
export type Payment = InferEntity<typeof Payment>;

/** A tenant's credentials at a provider; secrets sealed with PAYMENTS_SECRET_KEY. */
export const ProviderAccount = defineEntity({
  name: 'ProviderAccount',
  tableName: 'provider_accounts',
  properties: {
    ...idProperty,
    ...tenantProperty,
    provider: p.string().length(32),
    accessTokenSealed: p.text().hidden(),
    webhookSecretSealed: p.text().hidden(),
    ...auditProperties,
  },
});
export type ProviderAccount = InferEntity<typeof ProviderAccount>;

/**
 * Every webhook notification received (verified), stored once per tenant: `(tenant_id, provider, notification_id)` is
 * unique (constraint `provider_notifications_unique`, hand-written in the migrations like every
 * unique key here), so one tenant's notification ids never mark another tenant's as seen.
 */
export const ProviderNotification = defineEntity({
  name: 'ProviderNotification',
  tableName: 'provider_notifications',
  properties: {
    ...idProperty,
    ...tenantProperty,
    provider: p.string().length(32),
    notificationId: p.string().length(128),
    topic: p.string().length(64),
    providerPaymentId: p.string().length(64).nullable(),
    payload: p.json<Record<string, unknown>>(),
    receivedAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
  },
});
export type ProviderNotification = InferEntity<typeof ProviderNotification>;

/** A cash drawer of a branch (e.g. "Caja 1"), with its own `cash_drawer` ledger account (owner = the drawer). */
export const Drawer = defineEntity({
  name: 'Drawer',
  tableName: 'drawers',
  properties: {
    ...idProperty,
    ...tenantProperty,
    /** Null only for a tenant-level drawer the migration made of a legacy branchless drawer account. */
    branchId: p.uuid().nullable().index(),
    name: p.string().length(100),
    active: p.boolean().default(true),
    ...auditProperties,
  },
});
export type Drawer = InferEntity<typeof Drawer>;

export const CASH_SESSION_STATUSES = ['open', 'pending_approval', 'closed'] as const;
export type CashSessionStatus = (typeof CASH_SESSION_STATUSES)[number];

/** Amounts per payment method, minor units as decimal strings. */
export type PerMethod = Partial<Record<(typeof PAYMENT_METHODS)[number], string>>;

/**
 * A shift on a drawer: opened with a float, closed with a blind count. One open session per drawer
 * (partial unique index `cash_sessions_one_open`). `expected`, `counted` and `difference` are set at close.
 */
export const CashSession = defineEntity({
  name: 'CashSession',
  tableName: 'cash_sessions',
  properties: {
    ...idProperty,
    ...tenantProperty,
    drawerId: p.uuid().index(),
    branchId: p.uuid().nullable().index(),
    currency: p.string().length(3),
    status: p.enum(CASH_SESSION_STATUSES).default('open'),
    openingFloat: moneyProperty(),
    openedBy: p.uuid(),
    openedAt: p.datetime().columnType('timestamptz'),
    closedBy: p.uuid().nullable(),
    closedAt: p.datetime().columnType('timestamptz').nullable(),
    expected: p.json<PerMethod>().nullable(),
    counted: p.json<PerMethod>().nullable(),
    difference: p.json<PerMethod>().nullable(),
    approvedBy: p.uuid().nullable(),
    approvedAt: p.datetime().columnType('timestamptz').nullable(),
    approvalNote: p.string().length(500).nullable(),
  },
});
export type CashSession = InferEntity<typeof CashSession>;

export const CASH_MOVEMENT_KINDS = ['float', 'payment', 'refund', 'cash_in', 'cash_out'] as const;

/** What a session's expected amounts are made of: each signed (refunds and cash out negative). */
export const CashMovement = defineEntity({
  name: 'CashMovement',
  tableName: 'cash_movements',
  properties: {
    ...idProperty,
    ...tenantProperty,
    sessionId: p.uuid().index(),
    kind: p.enum(CASH_MOVEMENT_KINDS),
    method: p.enum(PAYMENT_METHODS),
    amount: moneyProperty(),
    paymentId: p.uuid().nullable(),
    reason: p.string().length(200).nullable(),
    createdBy: p.uuid().nullable(),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
  },
});
export type CashMovement = InferEntity<typeof CashMovement>;

/** A business's cash rules: a count differing from the expected by more than this waits for a manager. */
export const CashSettings = defineEntity({
  name: 'CashSettings',
  tableName: 'cash_settings',
  properties: {
    ...idProperty,
    ...tenantProperty,
    approvalThreshold: moneyProperty().default(0),
    ...auditProperties,
  },
});
export type CashSettings = InferEntity<typeof CashSettings>;

export const entities = [
  Account,
  JournalEntry,
  Posting,
  Payment,
  ProviderAccount,
  ProviderNotification,
  Drawer,
  CashSession,
  CashMovement,
  CashSettings,
];
