import { decimalToMinor, minorToDecimalNumber } from '@faena/platform/money';

/** What Faena needs from a payment provider; MercadoPago and the sandbox speak the same API. */
export interface ProviderCredentials {
  accessToken: string;
  webhookSecret: string;
}

/** Every status MercadoPago documents for a payment. */
export const PROVIDER_STATUSES = [
  'approved',
  'pending',
  'authorized',
  'in_process',
  'in_mediation',
  'rejected',
  'cancelled',
  'refunded',
  'charged_back',
] as const;
export type ProviderStatus = (typeof PROVIDER_STATUSES)[number];

export interface ProviderPayment {
  id: string;
  status: ProviderStatus;
  statusDetail?: string;
  /** Minor units. */
  amount: bigint;
  currency: string;
  /** Our payment id, sent as the provider's external reference. */
  externalReference: string | null;
  checkoutUrl: string | null;
}

export interface CreateProviderPayment {
  amount: bigint;
  currency: string;
  description: string;
  externalReference: string;
  notificationUrl: string;
  payerEmail?: string;
  metadata?: Record<string, string>;
}

export interface PaymentProvider {
  readonly name: string;
  createPayment(
    creds: ProviderCredentials,
    input: CreateProviderPayment,
    idempotencyKey: string,
  ): Promise<ProviderPayment>;
  getPayment(creds: ProviderCredentials, id: string): Promise<ProviderPayment>;
  refund(
    creds: ProviderCredentials,
    id: string,
    amount: bigint,
    currency: string,
    idempotencyKey: string,
  ): Promise<{ id: string; amount: bigint }>;
}

/**
 * Minor units → the decimal amount providers expect as a JSON number (1999n ARS → 19.99), from the
 * exact decimal text (platform money.ts); an amount a double cannot hold exactly throws.
 */
export const toDecimal = (minor: bigint, currency: string): number => minorToDecimalNumber(minor, currency);

/**
 * A provider's decimal amount (JSON number or text) → minor units, exactly: more decimals than the
 * currency has, or a number that is not exact, throws instead of rounding.
 */
export const toMinor = (decimal: number | string, currency: string): bigint =>
  decimalToMinor(decimal, currency);
