import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '@faena/platform';
import type { PaymentsDeps } from '../deps.ts';
import { Payment } from './entities.ts';
import { applyProviderStatus, createPayment, refundPayment, type NewPayment } from './payments.ts';
import { credentialsFor } from './providers.ts';

type Deps = Pick<PaymentsDeps, 'providers' | 'secretKey' | 'publicUrl'>;

/** Thrown while a provider notification names a payment we cannot see yet (its row has not committed). */
export class PaymentNotFoundYet extends Error {
  constructor(providerPaymentId: string) {
    super(`no payment for provider payment ${providerPaymentId} yet`);
    this.name = 'PaymentNotFoundYet';
  }
}

/**
 * Creates a payment (once per key). For a provider method it then asks the provider, with the
 * payment id as idempotency key, so a retry after a crash between the two steps completes it.
 */
export async function requestPayment(
  em: EntityManager,
  deps: Deps,
  tenantId: string,
  input: NewPayment,
): Promise<Payment> {
  const { payment } = await createPayment(em, tenantId, input);
  if (payment.method !== 'mercadopago' || payment.providerPaymentId || payment.status !== 'pending')
    return payment;
  const provider = deps.providers.mercadopago!;
  const creds = await credentialsFor(em, deps.secretKey, tenantId, provider.name);
  const remote = await provider.createPayment(
    creds,
    {
      amount: payment.amount,
      currency: payment.currency,
      description: `${payment.purpose} ${payment.reference}`,
      externalReference: payment.id,
      notificationUrl: `${deps.publicUrl}/api/payments/v1/webhooks/${provider.name}/${tenantId}`,
    },
    `payment:${payment.id}`,
  );
  payment.provider = provider.name;
  payment.providerPaymentId = remote.id;
  payment.providerStatus = remote.status;
  payment.checkoutUrl = remote.checkoutUrl;
  await em.flush();
  if (remote.status !== 'pending' && remote.status !== 'in_process')
    await applyProviderStatus(em, payment, remote);
  return payment;
}

/**
 * Asks the provider for a payment's current state and applies it. The payment is found by the
 * provider id, or by the external reference the provider echoes (our id) when the notification
 * came before we stored the provider id.
 */
export async function syncFromProvider(
  em: EntityManager,
  deps: Deps,
  tenantId: string,
  providerName: string,
  providerPaymentId: string,
): Promise<Payment> {
  const provider = deps.providers[providerName];
  if (!provider) throw new DomainError('VALIDATION_FAILED', `Unknown provider ${providerName}`);
  const creds = await credentialsFor(em, deps.secretKey, tenantId, providerName);
  const remote = await provider.getPayment(creds, providerPaymentId);
  const payment =
    (await em.findOne(Payment, { provider: providerName, providerPaymentId })) ??
    (remote.externalReference && /^[0-9a-f-]{36}$/.test(remote.externalReference)
      ? await em.findOne(Payment, { id: remote.externalReference })
      : null);
  if (!payment) throw new PaymentNotFoundYet(providerPaymentId);
  if (!payment.providerPaymentId) {
    payment.provider = providerName;
    payment.providerPaymentId = remote.id;
    await em.flush();
  }
  await applyProviderStatus(em, payment, remote);
  return payment;
}

/** Refunds through the provider when the money came from it, then in the ledger. */
export async function refund(
  em: EntityManager,
  deps: Deps,
  tenantId: string,
  paymentId: string,
  key: string,
  amount: bigint,
  drawerId?: string,
): Promise<Payment> {
  return refundPayment(em, paymentId, {
    key,
    amount,
    drawerId,
    providerRefund: async (p) => {
      const provider = deps.providers[p.provider ?? 'mercadopago']!;
      const creds = await credentialsFor(em, deps.secretKey, tenantId, provider.name);
      await provider.refund(creds, p.providerPaymentId!, amount, p.currency, key);
    },
  });
}
