/**
 * Who may move whose money. A wallet is debited only with its owner's authorization: their own
 * token, or a one-time payer code they show at the counter (8 digits, QR-able, 2 minutes) that
 * staff submit with the payment. A wallet is credited only by money that arrived: a provider
 * payment or cash into a drawer with an open cash session (domain/cash.ts). A card or transfer taken outside Faena is recorded only
 * with `payments.record_external`, and never credits a wallet.
 */
import { createHash, randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DomainError } from '@faena/platform';
import type { Payment } from './entities.ts';

/** How long a payer code is good for. */
export const PAYER_CODE_TTL_SECONDS = 120;
/** Codes one user may ask for in five of their lifetimes (a counter needs a few; 429 beyond). */
export const PAYER_CODES_PER_WINDOW = 60;

const codeKey = (tenantId: string, code: string) =>
  `payments:payer-code:${tenantId}:${createHash('sha256').update(code).digest('hex')}`;

/** A fresh one-time code authorizing one wallet payment of `userId` (stored hashed, never logged). */
export async function issuePayerCode(
  redis: Redis,
  tenantId: string,
  userId: string,
): Promise<{ code: string; expiresAt: string }> {
  for (;;) {
    const code = String(randomInt(0, 100_000_000)).padStart(8, '0');
    // NX: two live codes never collide (retry with another).
    if (await redis.set(codeKey(tenantId, code), userId, 'EX', PAYER_CODE_TTL_SECONDS, 'NX'))
      return { code, expiresAt: new Date(Date.now() + PAYER_CODE_TTL_SECONDS * 1000).toISOString() };
  }
}

/** Uses up `code` (whatever the outcome): true when it was `payerId`'s and still valid. */
async function consumePayerCode(redis: Redis, tenantId: string, code: string, payerId: string) {
  return (await redis.getdel(codeKey(tenantId, code))) === payerId;
}

export interface PaymentRequest {
  method: Payment['method'];
  purpose: string;
  payerId: string;
  branchId?: string | undefined;
  drawerId?: string | undefined;
  payerCode?: string | undefined;
}

export interface Caller {
  tenantId: string;
  userId: string;
  /** Whether the caller may record external (card, transfer) payments in the payment's branch. */
  mayRecordExternal: boolean;
}

/** Refuses what the caller may not do with this payment (403 / 422 with a stable code). */
export async function authorizePayment(redis: Redis, caller: Caller, p: PaymentRequest): Promise<void> {
  const external = p.method === 'card' || p.method === 'transfer';
  if (external && !caller.mayRecordExternal)
    throw new DomainError(
      'FORBIDDEN',
      'Missing permission payments.record_external (in the branch this payment names)',
    );
  if (p.purpose === 'wallet_topup' && p.method !== 'mercadopago' && p.method !== 'cash')
    throw new DomainError(
      'PURPOSE_NOT_ALLOWED',
      'A wallet is topped up only by a MercadoPago payment or cash into a branch drawer',
      { field: 'body.method' },
    );
  if (p.method === 'cash' && !p.drawerId)
    throw new DomainError('DRAWER_REQUIRED', 'Cash goes into a drawer with an open cash session: name it', {
      field: 'body.drawerId',
    });
  if (p.method === 'wallet' && p.payerId !== caller.userId) {
    if (!p.payerCode)
      throw new DomainError(
        'PAYER_AUTHORIZATION_REQUIRED',
        "Debiting someone else's wallet needs the payer code they show (POST /wallets/me/payer-codes)",
        { field: 'body.payerCode' },
      );
    if (!(await consumePayerCode(redis, caller.tenantId, p.payerCode, p.payerId)))
      throw new DomainError(
        'PAYER_AUTHORIZATION_REQUIRED',
        'The payer code is not valid for this payer (wrong, used or expired): ask for a new one',
        { field: 'body.payerCode' },
      );
  }
}
