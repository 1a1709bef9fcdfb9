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
    /** The user (wallet, payable) or branch (cash drawer) the account belongs to; null for platform accounts. */
    ownerId: p.uuid().nullable(),
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
    /** The branch that took it (its cash drawer for cash); null for tenant-level payments (marketplace, online). */
    branchId: p.uuid().nullable().index(),
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

export const entities = [Account, JournalEntry, Posting, Payment, ProviderAccount, ProviderNotification];
