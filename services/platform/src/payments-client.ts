/**
 * The payments service over HTTP — the one client every service (gym, pos) calls it with — always
 * with the caller's own token: payments checks the caller's `payments.create` in the branch, the
 * payer's authority (their own token, or the payer code they show), `payments.record_external` for
 * card and transfer, and the business's currency itself, so no service moves money on its own
 * authority. Every charge carries an Idempotency-Key derived from what is paid (`gym-membership:<id>`,
 * `pos-order:<order>:tender:<tender>`): a retry replays payments' first answer and never charges
 * twice (payments scopes the key to the caller, so a retry is the same caller's). Cash names the
 * drawer whose open cash session takes it: payments checks the drawer is in a branch the caller
 * covers and the payment's branch, and refuses one without an open session (422 DRAWER_NOT_OPEN).
 * A member buying for themselves pays through `POST /payments/self` (`payments.self`: the payer is
 * always the caller, so only their own wallet or a MercadoPago checkout).
 */
import Joi from 'joi';
import { DomainError, ERROR_STATUS, type ErrorCode } from './http/errors.ts';
import { isRecord } from './guards.ts';

/** Where payments is (every service that charges through it). */
export const paymentsClientConfigSchema = {
  PAYMENTS_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .required()
    .description('base URL of the payments service (charges and refunds go through it)'),
  PAYMENTS_TIMEOUT_MS: Joi.number().integer().min(100).max(60_000).default(10_000),
};
export interface PaymentsClientConfig {
  PAYMENTS_URL: string;
  PAYMENTS_TIMEOUT_MS: number;
}

export interface PaymentAnswer {
  id: string;
  status: string;
  amount: string;
  currency: string;
  method: string;
  checkoutUrl: string | null;
  failureReason: string | null;
  capturedAmount: string;
  refundedAmount: string;
  drawerId: string | null;
  cashSessionId: string | null;
}

export type PaymentMethod = 'wallet' | 'mercadopago' | 'cash' | 'card' | 'transfer';

export interface PaymentRequest {
  amount: bigint;
  currency: string;
  method: PaymentMethod;
  payerId: string;
  branchId: string;
  /** cash: the drawer whose open cash session takes it (card, transfer and wallet may name one). */
  drawerId?: string | undefined;
  purpose: string;
  reference: string;
  payerCode?: string | undefined;
}

export interface RefundRequest {
  amount: bigint;
  reason: string;
  /** cash: the drawer whose open session pays it out (default: the one that took it). */
  drawerId?: string | undefined;
}

/**
 * Which of payments' error fields (`body.drawerId`, …) the caller's own body names, and how: the
 * default passes the three a purchase body names the same way; anything else is reported without
 * a field (it is not the caller's).
 */
export type FieldFor = (paymentsField: string) => string | undefined;
const PASSED_FIELDS = new Set(['body.payerCode', 'body.drawerId', 'body.branchId']);
const passSame: FieldFor = (f) => (PASSED_FIELDS.has(f) ? f : undefined);

export interface PaymentsClient {
  /** POST /payments (201 or the replayed answer of the same key). */
  create(
    token: string,
    idempotencyKey: string,
    body: PaymentRequest,
    fieldFor?: FieldFor,
  ): Promise<PaymentAnswer>;
  /** POST /payments/self: the caller pays as themselves (wallet or MercadoPago; no payer, code or drawer). */
  createSelf(
    token: string,
    idempotencyKey: string,
    body: Omit<PaymentRequest, 'payerId' | 'payerCode' | 'drawerId' | 'method'> & {
      method: 'wallet' | 'mercadopago';
    },
  ): Promise<PaymentAnswer>;
  /** POST /payments/:id/refunds (`payments.refund`; the replayed answer of the same key). */
  refund(
    token: string,
    idempotencyKey: string,
    paymentId: string,
    body: RefundRequest,
    fieldFor?: FieldFor,
  ): Promise<PaymentAnswer>;
  /** GET /payments/:id. */
  get(token: string, paymentId: string): Promise<PaymentAnswer>;
}

const paymentAnswer = Joi.object<{ data: PaymentAnswer }>({
  data: Joi.object({
    id: Joi.string().required(),
    status: Joi.string().required(),
    amount: Joi.string().required(),
    currency: Joi.string().required(),
    method: Joi.string().required(),
    checkoutUrl: Joi.string().allow(null).default(null),
    failureReason: Joi.string().allow(null).default(null),
    capturedAmount: Joi.string().default('0'),
    refundedAmount: Joi.string().default('0'),
    drawerId: Joi.string().allow(null).default(null),
    cashSessionId: Joi.string().allow(null).default(null),
  })
    .unknown()
    .required(),
}).unknown();

const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && code in ERROR_STATUS;

/**
 * Cash at a counter names its drawer, and only cash does: refused before anything is held
 * (payments' own code). Checked here, not with joi's `.when()`, which the OpenAPI document cannot
 * carry (a request valid by the document would be a 400).
 */
export function assertDrawer(method: string, drawerId: string | undefined, field = 'body.drawerId'): void {
  if (method === 'cash' && !drawerId)
    throw new DomainError('DRAWER_REQUIRED', 'Cash goes into a drawer with an open cash session: name it', {
      field,
    });
  if (method !== 'cash' && drawerId)
    throw new DomainError('TENDER_FIELDS', 'Only a cash payment names a drawer', { field });
}

/**
 * Whether an error of a payments call is payments' refusal (its stable 4xx code, the caller's to
 * act on: no permission, empty wallet, drawer not open) rather than payments or the provider being
 * unavailable (503 / 502: retry with the same Idempotency-Key).
 */
export const isPaymentsRefusal = (err: unknown): err is DomainError =>
  err instanceof DomainError && err.status < 500;

export function createPaymentsClient(opts: { baseUrl: string; timeoutMs: number }): PaymentsClient {
  const unavailable = () =>
    new DomainError(
      'SERVICE_UNAVAILABLE',
      'The payments service did not answer; retry with the same Idempotency-Key',
    );
  const call = async (
    token: string,
    path: string,
    init: RequestInit,
    fieldFor: FieldFor = passSame,
  ): Promise<PaymentAnswer> => {
    const res = await fetch(`${opts.baseUrl}/api/payments/v1${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...init.headers },
      signal: AbortSignal.timeout(opts.timeoutMs),
    }).catch(() => Promise.reject(unavailable()));
    const body: unknown = await res.json().catch(() => null);
    if (res.ok) return Joi.attempt(body, paymentAnswer).data;
    // payments' refusal is the caller's to act on (no permission, empty wallet, wrong payer code):
    // the same stable code; its own failure is a 503 to retry.
    const first = isRecord(body) && Array.isArray(body.errors) ? (body.errors[0] as unknown) : undefined;
    if (res.status < 500 && isRecord(first) && isErrorCode(first.code)) {
      const field = typeof first.field === 'string' ? fieldFor(first.field) : undefined;
      const message = typeof first.message === 'string' ? first.message : 'Refused by payments';
      throw new DomainError(first.code, `payments: ${message}`, field ? { field } : {});
    }
    if (res.status === 502)
      throw new DomainError(
        'PROVIDER_UNAVAILABLE',
        'The payment provider did not take the request; retry with the same Idempotency-Key',
      );
    throw unavailable();
  };
  return {
    create: (token, idempotencyKey, b, fieldFor) =>
      call(
        token,
        '/payments',
        {
          method: 'POST',
          headers: { 'Idempotency-Key': idempotencyKey },
          body: JSON.stringify({
            amount: Number(b.amount),
            currency: b.currency,
            method: b.method,
            payerId: b.payerId,
            branchId: b.branchId,
            purpose: b.purpose,
            reference: b.reference,
            ...(b.payerCode && { payerCode: b.payerCode }),
            ...(b.drawerId && { drawerId: b.drawerId }),
          }),
        },
        fieldFor,
      ),
    createSelf: (token, idempotencyKey, b) =>
      call(token, '/payments/self', {
        method: 'POST',
        headers: { 'Idempotency-Key': idempotencyKey },
        body: JSON.stringify({
          amount: Number(b.amount),
          currency: b.currency,
          method: b.method,
          branchId: b.branchId,
          purpose: b.purpose,
          reference: b.reference,
        }),
      }),
    refund: (token, idempotencyKey, paymentId, b, fieldFor) =>
      call(
        token,
        `/payments/${encodeURIComponent(paymentId)}/refunds`,
        {
          method: 'POST',
          headers: { 'Idempotency-Key': idempotencyKey },
          body: JSON.stringify({
            amount: Number(b.amount),
            reason: b.reason,
            ...(b.drawerId && { drawerId: b.drawerId }),
          }),
        },
        fieldFor,
      ),
    get: (token, paymentId) => call(token, `/payments/${encodeURIComponent(paymentId)}`, {}),
  };
}
