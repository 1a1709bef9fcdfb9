/**
 * The payments service over HTTP, called with the caller's own token: payments checks the caller's
 * `payments.create` in the branch, the payer's authority (their own token, or the payer code they
 * show) and the business's currency itself, so the gym never moves money on its own authority.
 * Every charge carries an Idempotency-Key derived from the purchase (`gym-membership:<id>`): a
 * retried purchase replays payments' first answer and never charges twice. Cash at reception names
 * the drawer whose open cash session takes it: payments checks the drawer is in a branch the caller
 * covers and the purchase's branch, and refuses one without an open session (422 DRAWER_NOT_OPEN).
 * A member buying for themselves pays through `POST /payments/self` (`payments.self`: the payer is
 * always the caller, so only their own wallet or a MercadoPago checkout).
 */
import Joi from 'joi';
import { DomainError, ERROR_STATUS, isRecord, type ErrorCode } from '@faena/platform';

export interface PaymentAnswer {
  id: string;
  status: string;
  amount: string;
  currency: string;
  method: string;
  checkoutUrl: string | null;
  failureReason: string | null;
}

export interface PaymentRequest {
  amount: bigint;
  currency: string;
  method: 'wallet' | 'mercadopago' | 'cash';
  payerId: string;
  branchId: string;
  /** cash: the drawer whose open cash session takes it. */
  drawerId?: string | undefined;
  purpose: string;
  reference: string;
  payerCode?: string | undefined;
}

export interface PaymentsClient {
  /** POST /payments (201 or the replayed answer of the same key). */
  create(token: string, idempotencyKey: string, body: PaymentRequest): Promise<PaymentAnswer>;
  /** POST /payments/self: the caller pays as themselves (wallet or MercadoPago; no payer, code or drawer). */
  createSelf(
    token: string,
    idempotencyKey: string,
    body: Omit<PaymentRequest, 'payerId' | 'payerCode' | 'drawerId' | 'method'> & {
      method: 'wallet' | 'mercadopago';
    },
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
  })
    .unknown()
    .required(),
}).unknown();

const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && code in ERROR_STATUS;

/** Fields of payments' body the gym's purchase body names the same way. */
const PASSED_FIELDS = new Set(['body.payerCode', 'body.drawerId', 'body.branchId']);

/** Cash at reception names its drawer: refused before anything is held (payments' own code). */
export function assertDrawer(method: string, drawerId: string | undefined): void {
  if (method === 'cash' && !drawerId)
    throw new DomainError('DRAWER_REQUIRED', 'Cash goes into a drawer with an open cash session: name it', {
      field: 'body.drawerId',
    });
}

export function createPaymentsClient(opts: { baseUrl: string; timeoutMs: number }): PaymentsClient {
  const unavailable = () =>
    new DomainError(
      'SERVICE_UNAVAILABLE',
      'The payments service did not answer; retry with the same Idempotency-Key',
    );
  const call = async (token: string, path: string, init: RequestInit = {}): Promise<PaymentAnswer> => {
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
      const field =
        typeof first.field === 'string' && PASSED_FIELDS.has(first.field) ? first.field : undefined;
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
    create: (token, idempotencyKey, b) =>
      call(token, '/payments', {
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
      }),
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
    get: (token, paymentId) => call(token, `/payments/${encodeURIComponent(paymentId)}`),
  };
}
