import { errorMessage } from '@faena/platform';
import Joi from 'joi';
import type {
  CreateProviderPayment,
  PaymentProvider,
  ProviderCredentials,
  ProviderPayment,
  ProviderStatus,
} from './types.ts';
import { PROVIDER_STATUSES, toDecimal, toMinor } from './types.ts';

interface MpPayment {
  id: number | string;
  status: ProviderStatus;
  status_detail?: string;
  transaction_amount: number;
  currency_id: string;
  external_reference?: string | null;
  point_of_interaction?: { transaction_data?: { ticket_url?: string | null } | null } | null;
}

/** MercadoPago's answers are checked, not trusted: the fields read here (it sends many more). */
const mpPaymentSchema = Joi.object<MpPayment>({
  id: Joi.alternatives(Joi.string(), Joi.number()).required(),
  status: Joi.string()
    .valid(...PROVIDER_STATUSES)
    .required(),
  status_detail: Joi.string().allow(''),
  transaction_amount: Joi.number().required(),
  currency_id: Joi.string().required(),
  external_reference: Joi.string().allow('', null),
  point_of_interaction: Joi.object({
    transaction_data: Joi.object({ ticket_url: Joi.string().allow('', null) })
      .unknown()
      .allow(null),
  })
    .unknown()
    .allow(null),
}).unknown();

interface MpRefund {
  id: number | string;
  amount: number;
}
const mpRefundSchema = Joi.object<MpRefund>({
  id: Joi.alternatives(Joi.string(), Joi.number()).required(),
  amount: Joi.number().required(),
}).unknown();

export class ProviderError extends Error {
  readonly status: number;
  readonly retryable: boolean;
  constructor(message: string, status: number) {
    super(message);
    this.name = 'ProviderError';
    this.status = status;
    this.retryable = status >= 500 || status === 429 || status === 0;
  }
}

/**
 * MercadoPago's payments API over HTTP (`POST /v1/payments`, `GET /v1/payments/:id`,
 * `POST /v1/payments/:id/refunds`), at a configurable base URL: the real API in production, the
 * sandbox (services/payments/src/sandbox) in dev and tests.
 */
export function mercadoPagoProvider(opts: {
  baseUrl: string;
  timeoutMs?: number;
  name?: string;
}): PaymentProvider {
  const call = async <T>(
    creds: ProviderCredentials,
    schema: Joi.Schema<T>,
    method: string,
    path: string,
    body?: unknown,
    idempotencyKey?: string,
  ): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${opts.baseUrl}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${creds.accessToken}`,
          'Content-Type': 'application/json',
          ...(idempotencyKey && { 'X-Idempotency-Key': idempotencyKey }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new ProviderError(`provider unreachable: ${errorMessage(err)}`, 0);
    }
    const route = `${method} ${path.replace(/\/\d+/g, '/:id')}`;
    if (!res.ok) throw new ProviderError(`provider answered ${res.status} to ${route}`, res.status);
    const answer = schema.validate(await res.json());
    if (answer.error)
      throw new ProviderError(`provider answered ${route} with ${answer.error.message}`, res.status);
    return answer.value;
  };
  /** A provider's amount in minor units, exactly; an amount the currency cannot hold is the provider's error. */
  const minorOf = (amount: number, currency: string, what: string): bigint => {
    try {
      return toMinor(amount, currency);
    } catch (err) {
      throw new ProviderError(`provider answered ${what} with an inexact amount: ${errorMessage(err)}`, 502);
    }
  };
  const map = (p: MpPayment): ProviderPayment => ({
    id: String(p.id),
    status: p.status,
    ...(p.status_detail !== undefined && { statusDetail: p.status_detail }),
    amount: minorOf(p.transaction_amount, p.currency_id, 'a payment'),
    currency: p.currency_id,
    externalReference: p.external_reference ?? null,
    checkoutUrl: p.point_of_interaction?.transaction_data?.ticket_url ?? null,
  });
  return {
    name: opts.name ?? 'mercadopago',
    async createPayment(creds, input: CreateProviderPayment, idempotencyKey) {
      const created = await call(
        creds,
        mpPaymentSchema,
        'POST',
        '/v1/payments',
        {
          transaction_amount: toDecimal(input.amount, input.currency),
          currency_id: input.currency,
          description: input.description,
          external_reference: input.externalReference,
          notification_url: input.notificationUrl,
          payment_method_id: 'account_money',
          payer: { email: input.payerEmail ?? 'payer@faena.invalid' },
          metadata: input.metadata ?? {},
        },
        idempotencyKey,
      );
      return map(created);
    },
    async getPayment(creds, id) {
      return map(await call(creds, mpPaymentSchema, 'GET', `/v1/payments/${encodeURIComponent(id)}`));
    },
    async refund(creds, id, amount, currency, idempotencyKey) {
      const r = await call(
        creds,
        mpRefundSchema,
        'POST',
        `/v1/payments/${encodeURIComponent(id)}/refunds`,
        { amount: toDecimal(amount, currency) },
        idempotencyKey,
      );
      return { id: String(r.id), amount: minorOf(r.amount, currency, 'a refund') };
    },
  };
}
