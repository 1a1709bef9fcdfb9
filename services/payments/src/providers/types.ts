import { currencyDigits } from '@faena/platform/money';

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

/** Minor units → the decimal amount providers expect (1999n ARS → 19.99). */
export const toDecimal = (minor: bigint, currency: string): number =>
  Number(minor) / 10 ** currencyDigits(currency);

/** Decimal amount from a provider → minor units, rounding half away from zero. */
export const toMinor = (decimal: number, currency: string): bigint =>
  BigInt(Math.round(decimal * 10 ** currencyDigits(currency)));
