import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, notFound } from '@faena/platform';
import type { ProviderPayment } from '../providers/types.ts';
import { Drawer, Payment, type PaymentStatus } from './entities.ts';
import { ensureAccount, postEntry, type PostingInput } from './ledger.ts';
import { drawerAccount, lockOpenSession, recordMovement } from './cash.ts';
import { REFUNDABLE, assertMove, canMove, fundedStatus } from './state.ts';

export interface NewPayment {
  key: string;
  amount: bigint;
  currency: string;
  method: Payment['method'];
  payerId: string;
  payeeId?: string | null;
  purpose: string;
  reference: string;
  escrow?: boolean;
  workflowId?: string | null;
  /** The branch that takes it (a drawer's, when one is named). */
  branchId?: string | null;
  /** The drawer whose open session takes it (required for cash; card/transfer/wallet at a counter may name one). */
  drawerId?: string | null;
}

/**
 * Where captured money lands: a wallet top-up credits the payer's wallet, an escrow payment the
 * platform escrow, a payment to a professional their payable, anything else the business's revenue.
 */
async function destination(em: EntityManager, p: Payment): Promise<string> {
  if (p.purpose === 'wallet_topup')
    return ensureAccount(em, p.tenantId, 'customer_wallet', p.payerId, p.currency);
  if (p.escrow) return ensureAccount(em, p.tenantId, 'platform_escrow', null, p.currency);
  if (p.payeeId) return ensureAccount(em, p.tenantId, 'professional_payable', p.payeeId, p.currency);
  return ensureAccount(em, p.tenantId, 'merchant_revenue', null, p.currency);
}

/** Where the money comes from when the payment is funded. */
async function source(em: EntityManager, p: Payment): Promise<string> {
  switch (p.method) {
    case 'wallet':
      return ensureAccount(em, p.tenantId, 'customer_wallet', p.payerId, p.currency);
    case 'cash': {
      const drawer = await em.findOneOrFail(Drawer, { id: p.drawerId! });
      return drawerAccount(em, drawer, p.currency);
    }
    default:
      return ensureAccount(em, p.tenantId, 'provider_clearing', null, p.currency);
  }
}

/** Funds a payment in the ledger (source → destination) and moves it to held (escrow) or captured. */
async function fund(em: EntityManager, p: Payment): Promise<void> {
  const from = await source(em, p);
  const to = await destination(em, p);
  await postEntry(em, {
    tenantId: p.tenantId,
    key: `payment:${p.id}:funded`,
    kind: p.escrow ? 'escrow_hold' : 'payment',
    currency: p.currency,
    paymentId: p.id,
    description: `${p.purpose} ${p.reference}`,
    postings: [
      { accountId: from, amount: -p.amount },
      { accountId: to, amount: p.amount },
    ],
  });
  const next: PaymentStatus = p.escrow ? 'held' : 'captured';
  assertMove(p.status, next);
  p.status = next;
  p.capturedAmount = p.amount;
  if (p.cashSessionId)
    recordMovement(em, {
      tenantId: p.tenantId,
      sessionId: p.cashSessionId,
      kind: 'payment',
      method: p.method,
      amount: p.amount,
      paymentId: p.id,
    });
}

/**
 * Creates a payment once per key (a repeat returns the first). Wallet, cash, card and transfer
 * payments are funded at once, in the same transaction (an overdraft leaves nothing behind);
 * MercadoPago payments stay pending until the provider reports them.
 */
export async function createPayment(
  em: EntityManager,
  tenantId: string,
  input: NewPayment,
): Promise<{ payment: Payment; created: boolean }> {
  const existing = await em.findOne(Payment, { idempotencyKey: input.key });
  if (existing) return { payment: existing, created: false };
  if (input.method === 'cash' && !input.drawerId)
    throw new DomainError('DRAWER_REQUIRED', 'Cash goes into a drawer with an open session: name it', {
      field: 'body.drawerId',
    });
  return em.transactional(async (tx) => {
    // The drawer's open session takes it (locked: a close waits for this payment, or refuses it).
    const session = input.drawerId ? await lockOpenSession(tx, input.drawerId) : null;
    const payment = tx.create(Payment, {
      tenantId,
      amount: input.amount,
      currency: input.currency,
      method: input.method,
      status: 'pending',
      payerId: input.payerId,
      payeeId: input.payeeId ?? null,
      branchId: session ? (session.branchId ?? null) : (input.branchId ?? null),
      drawerId: input.drawerId ?? null,
      cashSessionId: session?.id ?? null,
      purpose: input.purpose,
      reference: input.reference,
      escrow: input.escrow ?? false,
      capturedAmount: 0n,
      refundedAmount: 0n,
      workflowId: input.workflowId ?? null,
      idempotencyKey: input.key,
    });
    await tx.flush();
    // Wallet and cash move at once; card and transfer were taken outside (a terminal, a bank) and are
    // recorded as received into provider clearing. Only MercadoPago waits for its provider.
    if (input.method !== 'mercadopago') await fund(tx, payment);
    await tx.flush();
    return { payment, created: true };
  });
}

/**
 * Applies what the provider says about a payment, idempotently: approved funds it (held or
 * captured), rejected/cancelled fails it; a status already applied, or a stale one, changes nothing.
 */
export async function applyProviderStatus(
  em: EntityManager,
  payment: Payment,
  remote: ProviderPayment,
): Promise<boolean> {
  return em.transactional(async (tx) => {
    const p = await tx.findOneOrFail(Payment, { id: payment.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    p.providerStatus = remote.status;
    let changed = false;
    if (remote.status === 'approved' && p.status === 'pending') {
      if (remote.amount !== p.amount || remote.currency !== p.currency) {
        p.status = 'failed';
        p.failureReason = 'amount_mismatch';
      } else {
        await fund(tx, p);
      }
      changed = true;
    } else if (
      (remote.status === 'rejected' || remote.status === 'cancelled') &&
      canMove(p.status, 'failed')
    ) {
      p.status = 'failed';
      p.failureReason = remote.statusDetail ?? remote.status;
      changed = true;
    }
    await tx.flush();
    Object.assign(payment, {
      status: p.status,
      providerStatus: p.providerStatus ?? null,
      capturedAmount: p.capturedAmount,
    });
    return changed;
  });
}

/** The platform's commission on a payout: basis points of the gross, rounded down to the minor unit. */
export const commissionOf = (gross: bigint, commissionBps: number): bigint =>
  (gross * BigInt(commissionBps)) / 10_000n;

/** The gross and commission of the payout entry posted under `key`, if there is one. */
async function payoutPosted(
  em: EntityManager,
  tenantId: string,
  key: string,
): Promise<{ gross: bigint; commission: bigint } | null> {
  const rows = await em.execute<Array<{ gross: string | null; commission: string | null }>>(
    `select -sum(p.amount) filter (where a.kind = 'platform_escrow') as gross,
            coalesce(sum(p.amount) filter (where a.kind = 'platform_revenue'), 0) as commission
       from payments.journal_entries e
       join payments.postings p on p.entry_id = e.id
       join payments.accounts a on a.id = p.account_id
      where e.tenant_id = ? and e.idempotency_key = ?
      group by e.id`,
    [tenantId, key],
  );
  const row = rows[0];
  return row?.gross ? { gross: BigInt(row.gross), commission: BigInt(row.commission ?? '0') } : null;
}

/** Whether a journal entry with this key was already posted (a retried step). */
async function posted(em: EntityManager, tenantId: string, key: string): Promise<boolean> {
  const rows = await em.execute<Array<{ n: string }>>(
    `select count(*) as n from payments.journal_entries where tenant_id = ? and idempotency_key = ?`,
    [tenantId, key],
  );
  return rows[0]?.n !== '0';
}

/**
 * What of an escrowed payment the platform escrow still holds: what funded it, minus what was
 * refunded from it and paid out of it (its own postings on the escrow account, so a refund or payout
 * never takes another payment's money).
 */
export async function heldInEscrow(em: EntityManager, p: Payment): Promise<bigint> {
  const rows = await em.execute<Array<{ held: string }>>(
    `select coalesce(sum(po.amount), 0)::text as held
       from payments.journal_entries e
       join payments.postings po on po.entry_id = e.id
       join payments.accounts a on a.id = po.account_id
      where e.tenant_id = ? and e.payment_id = ? and a.kind = 'platform_escrow'`,
    [p.tenantId, p.id],
  );
  return BigInt(rows[0]?.held ?? '0');
}

/**
 * Releases escrowed funds: the payee gets `amount` (default: all the escrow still holds of the
 * payment) minus the commission, the platform the commission. Works before or after a partial
 * refund (a dispute split); a payment with refunds stays `partially_refunded`.
 */
export async function releasePayout(
  em: EntityManager,
  paymentId: string,
  opts: { key: string; amount?: bigint; commissionBps: number },
): Promise<{ payment: Payment; payout: { gross: bigint; commission: bigint } }> {
  return em.transactional(async (tx) => {
    const p = await tx.findOne(Payment, { id: paymentId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!p) throw notFound('Payment');
    if (!p.escrow || !p.payeeId)
      throw new DomainError('INVALID_STATE_TRANSITION', 'Only escrowed payments with a payee are paid out');
    // This payout already happened (a retried step): answer what it moved.
    const earlier = await payoutPosted(tx, p.tenantId, opts.key);
    if (earlier) return { payment: p, payout: earlier };
    if (!['held', 'captured', 'partially_refunded'].includes(p.status))
      throw new DomainError('INVALID_STATE_TRANSITION', `A ${p.status} payment cannot be paid out`, {
        field: 'status',
      });
    const holds = await heldInEscrow(tx, p);
    const amount = opts.amount ?? holds;
    if (amount <= 0n || amount > holds)
      throw new DomainError('VALIDATION_FAILED', `Payout exceeds what the escrow holds (${holds})`, {
        field: 'amount',
      });
    const commission = commissionOf(amount, opts.commissionBps);
    const postings: PostingInput[] = [
      {
        accountId: await ensureAccount(tx, p.tenantId, 'platform_escrow', null, p.currency),
        amount: -amount,
      },
      {
        accountId: await ensureAccount(tx, p.tenantId, 'professional_payable', p.payeeId, p.currency),
        amount: amount - commission,
      },
      {
        accountId: await ensureAccount(tx, p.tenantId, 'platform_revenue', null, p.currency),
        amount: commission,
      },
    ];
    const done = await postEntry(tx, {
      tenantId: p.tenantId,
      key: opts.key,
      kind: 'payout',
      currency: p.currency,
      paymentId: p.id,
      description: `payout of ${p.reference}`,
      postings,
    });
    if (done) {
      const next = fundedStatus(p.capturedAmount, p.refundedAmount, 'captured');
      assertMove(p.status, next);
      p.status = next;
    }
    await tx.flush();
    return { payment: p, payout: { gross: amount, commission } };
  });
}

/** Refuses a refund above what is left of the payment (and, escrowed, above what the escrow still holds of it). */
async function assertRefundable(em: EntityManager, p: Payment, amount: bigint): Promise<void> {
  const left = p.capturedAmount - p.refundedAmount;
  if (amount > left)
    throw new DomainError('REFUND_EXCEEDS_CAPTURED', `At most ${left} can be refunded`, { field: 'amount' });
  if (p.escrow) {
    const holds = await heldInEscrow(em, p);
    if (amount > holds)
      throw new DomainError(
        'REFUND_EXCEEDS_CAPTURED',
        `At most ${holds} can be refunded: the escrow holds only that much of this payment, the rest was paid out`,
        { field: 'amount' },
      );
  }
}

/**
 * Refunds part or all of what was captured, never more; from the escrow when escrowed, from the
 * payee or revenue otherwise, back to the wallet (wallet payments) or out through the provider.
 * A retried refund (same key) returns the payment as it is, even once it is fully refunded.
 */
export async function refundPayment(
  em: EntityManager,
  paymentId: string,
  opts: {
    key: string;
    amount: bigint;
    providerRefund?: (p: Payment) => Promise<void>;
    /** Cash refunds: the drawer whose open session pays it out (default: the one that took it). */
    drawerId?: string | undefined;
  },
): Promise<Payment> {
  const p = await em.findOne(Payment, { id: paymentId });
  if (!p) throw notFound('Payment');
  if (await posted(em, p.tenantId, opts.key)) return p; // this refund already happened
  if (p.status === 'refunded')
    throw new DomainError('INVALID_STATE_TRANSITION', 'The payment is already refunded', { field: 'status' });
  if (!REFUNDABLE.includes(p.status)) {
    throw new DomainError('INVALID_STATE_TRANSITION', `A ${p.status} payment cannot be refunded`, {
      field: 'status',
    });
  }
  await assertRefundable(em, p, opts.amount);
  // The provider moves the money first; its idempotency key makes a retry safe.
  if (opts.providerRefund && p.method === 'mercadopago') await opts.providerRefund(p);
  return em.transactional(async (tx) => {
    const locked = await tx.findOneOrFail(Payment, { id: p.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (await posted(tx, locked.tenantId, opts.key)) return locked; // a concurrent twin got here first
    await assertRefundable(tx, locked, opts.amount);
    const from = locked.escrow
      ? await ensureAccount(tx, locked.tenantId, 'platform_escrow', null, locked.currency)
      : await destination(tx, locked);
    // Cash goes back out of a drawer with an open session (422 DRAWER_NOT_OPEN otherwise).
    const session =
      locked.method === 'cash' ? await lockOpenSession(tx, opts.drawerId ?? locked.drawerId ?? null) : null;
    const to = session
      ? await drawerAccount(tx, await tx.findOneOrFail(Drawer, { id: session.drawerId }), locked.currency)
      : locked.method === 'wallet'
        ? await ensureAccount(tx, locked.tenantId, 'customer_wallet', locked.payerId, locked.currency)
        : await source(tx, locked);
    const done = await postEntry(tx, {
      tenantId: locked.tenantId,
      key: opts.key,
      kind: 'refund',
      currency: locked.currency,
      paymentId: locked.id,
      description: `refund of ${locked.reference}`,
      postings: [
        { accountId: from, amount: -opts.amount },
        { accountId: to, amount: opts.amount },
      ],
    });
    if (done) {
      if (session)
        recordMovement(tx, {
          tenantId: locked.tenantId,
          sessionId: session.id,
          kind: 'refund',
          method: 'cash',
          amount: -opts.amount,
          paymentId: locked.id,
        });
      locked.refundedAmount += opts.amount;
      const next = fundedStatus(locked.capturedAmount, locked.refundedAmount, locked.status);
      assertMove(locked.status, next);
      locked.status = next;
    }
    await tx.flush();
    return locked;
  });
}

/** JSON view of a payment (amounts as decimal strings of minor units: bigint-safe). */
export function present(p: Payment) {
  return {
    id: p.id,
    status: p.status,
    amount: p.amount.toString(),
    currency: p.currency,
    method: p.method,
    payerId: p.payerId,
    payeeId: p.payeeId ?? null,
    branchId: p.branchId ?? null,
    drawerId: p.drawerId ?? null,
    cashSessionId: p.cashSessionId ?? null,
    purpose: p.purpose,
    reference: p.reference,
    escrow: p.escrow,
    capturedAmount: p.capturedAmount.toString(),
    refundedAmount: p.refundedAmount.toString(),
    provider: p.provider ?? null,
    providerPaymentId: p.providerPaymentId ?? null,
    providerStatus: p.providerStatus ?? null,
    checkoutUrl: p.checkoutUrl ?? null,
    failureReason: p.failureReason ?? null,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}
