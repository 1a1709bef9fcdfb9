import type { EntityManager } from '@mikro-orm/postgresql';
import { ApplicationFailure } from '@temporalio/common';
import { runWithContext } from '@faena/platform';
import { createActivities } from '../src/activities.ts';
import { credentialsFor } from '../src/domain/providers.ts';
import {
  SECRET_KEY,
  business,
  deposit,
  newKey,
  startPayments,
  type Business,
  type PaymentsHarness,
} from './harness.ts';

let h: PaymentsHarness;
let b: Business;
let acts: ReturnType<typeof createActivities>;
beforeAll(async () => {
  h = await startPayments();
  b = await business(h);
  acts = createActivities({
    orm: h.orm,
    logger: h.logs.logger,
    providers: h.deps.providers,
    secretKey: SECRET_KEY,
    publicUrl: h.deps.publicUrl,
  });
}, 90000);
afterAll(() => h.close());

const balanceOf = async (kind: string, ownerId: string | null) => {
  const rows = await h.orm.em
    .fork()
    .getConnection()
    .execute<Array<{ balance: string }>>(
      `select balance::text as balance from payments.accounts where tenant_id = ? and kind = ? and owner_id is not distinct from ? and currency = 'CLP'`,
      [b.biz.tenantId, kind, ownerId],
    );
  return BigInt(rows[0]?.balance ?? '0');
};

describe('payments activities (the escrow money flow)', () => {
  it('holds a wallet payment in escrow, pays out minus commission, and never pays twice for one key', async () => {
    await deposit(h, b, b.client.id, 100_000);
    const wf = `escrow/${b.biz.tenantId}/offer-${newKey()}`;
    const req = {
      key: `${wf}/payment`,
      tenantId: b.biz.tenantId,
      amount: '40000',
      currency: 'CLP',
      method: 'wallet' as const,
      payerId: b.client.id,
      payeeId: b.pro.id,
      purpose: 'job',
      reference: wf,
      escrow: true,
      workflowId: wf,
    };
    const escrowBefore = await balanceOf('platform_escrow', null);
    const held = await acts.createPaymentRequest(req);
    expect(held.status).toBe('held');
    expect(await acts.createPaymentRequest(req)).toEqual(held); // retried step: same payment
    expect((await acts.holdInEscrow({ tenantId: b.biz.tenantId, paymentId: held.id })).status).toBe('held');
    expect((await balanceOf('platform_escrow', null)) - escrowBefore).toBe(40000n);

    const revenueBefore = await balanceOf('platform_revenue', null);
    const payout = { key: `${wf}/payout`, tenantId: b.biz.tenantId, paymentId: held.id, commissionBps: 1250 };
    const paid = await acts.releasePayout(payout);
    expect(paid.status).toBe('captured');
    await acts.releasePayout(payout); // retried step
    expect(await balanceOf('professional_payable', b.pro.id)).toBe(35000n);
    expect((await balanceOf('platform_revenue', null)) - revenueBefore).toBe(5000n);
    expect((await balanceOf('platform_escrow', null)) - escrowBefore).toBe(0n);
  });

  it('splits a dispute: part refunded to the client, the rest paid out', async () => {
    await deposit(h, b, b.client.id, 10_000);
    const wf = `escrow/${b.biz.tenantId}/offer-${newKey()}`;
    const walletBefore = await balanceOf('customer_wallet', b.client.id);
    const held = await acts.createPaymentRequest({
      key: `${wf}/payment`,
      tenantId: b.biz.tenantId,
      amount: '10000',
      currency: 'CLP',
      method: 'wallet',
      payerId: b.client.id,
      payeeId: b.pro.id,
      purpose: 'job',
      reference: wf,
      escrow: true,
    });
    const refunded = await acts.refund({
      key: `${wf}/refund`,
      tenantId: b.biz.tenantId,
      paymentId: held.id,
      amount: '3000',
    });
    expect(refunded).toMatchObject({ status: 'partially_refunded', refundedAmount: '3000' });
    await acts.refund({ key: `${wf}/refund`, tenantId: b.biz.tenantId, paymentId: held.id, amount: '3000' }); // retried: once
    const payableBefore = await balanceOf('professional_payable', b.pro.id);
    const payout = { key: `${wf}/payout`, tenantId: b.biz.tenantId, paymentId: held.id, commissionBps: 0 };
    const paid = await acts.releasePayout(payout);
    // Refunds sum to less than what was captured: the payment says so, also once the rest is paid out.
    expect(paid.status).toBe('partially_refunded');
    expect(await acts.releasePayout(payout)).toMatchObject({ status: 'partially_refunded' }); // retried step
    expect((await balanceOf('customer_wallet', b.client.id)) - walletBefore).toBe(-7000n);
    expect((await balanceOf('professional_payable', b.pro.id)) - payableBefore).toBe(7000n);
    expect(
      (await acts.getPaymentStatus({ tenantId: b.biz.tenantId, paymentId: held.id })).refundedAmount,
    ).toBe('3000');
  });

  it('splits a dispute the other way round: payout first, then the refund of the rest; the escrow is never overdrawn', async () => {
    await deposit(h, b, b.client.id, 10_000);
    const wf = `escrow/${b.biz.tenantId}/offer-${newKey()}`;
    const walletBefore = await balanceOf('customer_wallet', b.client.id);
    const escrowBefore = await balanceOf('platform_escrow', null);
    const payableBefore = await balanceOf('professional_payable', b.pro.id);
    const held = await acts.createPaymentRequest({
      key: `${wf}/payment`,
      tenantId: b.biz.tenantId,
      amount: '10000',
      currency: 'CLP',
      method: 'wallet',
      payerId: b.client.id,
      payeeId: b.pro.id,
      purpose: 'job',
      reference: wf,
      escrow: true,
    });
    const paid = await acts.releasePayout({
      key: `${wf}/payout`,
      tenantId: b.biz.tenantId,
      paymentId: held.id,
      commissionBps: 0,
      amount: '6000',
    });
    expect(paid.status).toBe('captured');
    // Only what the escrow still holds of this payment can leave it (other payments' money stays put).
    const tooMuch = acts.refund({
      key: `${wf}/refund-x`,
      tenantId: b.biz.tenantId,
      paymentId: held.id,
      amount: '4001',
    });
    await expect(tooMuch).rejects.toMatchObject({ type: 'REFUND_EXCEEDS_CAPTURED', nonRetryable: true });
    const refund = { key: `${wf}/refund`, tenantId: b.biz.tenantId, paymentId: held.id, amount: '4000' };
    expect(await acts.refund(refund)).toMatchObject({ status: 'partially_refunded', refundedAmount: '4000' });
    expect(await acts.refund(refund)).toMatchObject({ status: 'partially_refunded', refundedAmount: '4000' }); // retried: once
    expect((await balanceOf('customer_wallet', b.client.id)) - walletBefore).toBe(-6000n);
    expect((await balanceOf('professional_payable', b.pro.id)) - payableBefore).toBe(6000n);
    expect((await balanceOf('platform_escrow', null)) - escrowBefore).toBe(0n);
    // Nothing is left in escrow: no further payout.
    await expect(
      acts.releasePayout({
        key: `${wf}/payout-2`,
        tenantId: b.biz.tenantId,
        paymentId: held.id,
        commissionBps: 0,
      }),
    ).rejects.toMatchObject({ type: 'VALIDATION_FAILED' });
  });

  it('a partially refunded payment keeps its remainder refundable and payable out; refunded in full it is refunded', async () => {
    await deposit(h, b, b.client.id, 9_000);
    const wf = `escrow/${b.biz.tenantId}/offer-${newKey()}`;
    const payableBefore = await balanceOf('professional_payable', b.pro.id);
    const held = await acts.createPaymentRequest({
      key: `${wf}/payment`,
      tenantId: b.biz.tenantId,
      amount: '9000',
      currency: 'CLP',
      method: 'wallet',
      payerId: b.client.id,
      payeeId: b.pro.id,
      purpose: 'job',
      reference: wf,
      escrow: true,
    });
    const t = b.biz.tenantId;
    const r1 = { key: `${wf}/refund-1`, tenantId: t, paymentId: held.id, amount: '2000' };
    expect(await acts.refund(r1)).toMatchObject({ status: 'partially_refunded', refundedAmount: '2000' });
    const r2 = { key: `${wf}/refund-2`, tenantId: t, paymentId: held.id, amount: '3000' };
    expect(await acts.refund(r2)).toMatchObject({ status: 'partially_refunded', refundedAmount: '5000' });
    // Without an amount the payout takes what the escrow still holds of it: 9000 - 5000 refunded.
    const paid = await acts.releasePayout({
      key: `${wf}/payout`,
      tenantId: t,
      paymentId: held.id,
      commissionBps: 0,
    });
    expect(paid).toMatchObject({ status: 'partially_refunded', refundedAmount: '5000' });
    expect((await balanceOf('professional_payable', b.pro.id)) - payableBefore).toBe(4000n);

    // Non-escrow: the remainder is refundable until all of it is; a retried last refund is not an error.
    const direct = await acts.createPaymentRequest({
      key: `${wf}/direct`,
      tenantId: t,
      amount: '1000',
      currency: 'CLP',
      method: 'wallet',
      payerId: b.client.id,
      purpose: 'service',
      reference: wf,
    });
    expect(direct.status).toBe('captured');
    const part = { key: `${wf}/direct-1`, tenantId: t, paymentId: direct.id, amount: '400' };
    expect(await acts.refund(part)).toMatchObject({ status: 'partially_refunded' });
    const rest = { key: `${wf}/direct-2`, tenantId: t, paymentId: direct.id, amount: '600' };
    expect(await acts.refund(rest)).toMatchObject({ status: 'refunded', refundedAmount: '1000' });
    expect(await acts.refund(rest)).toMatchObject({ status: 'refunded', refundedAmount: '1000' }); // retried step
    await expect(
      acts.refund({ key: `${wf}/direct-3`, tenantId: t, paymentId: direct.id, amount: '1' }),
    ).rejects.toMatchObject({ type: 'INVALID_STATE_TRANSITION' });
  });

  it('a MercadoPago escrow payment refunded in part at the provider is partially_refunded, and its rest is paid out', async () => {
    const t = b.biz.tenantId;
    const wf = `escrow/${t}/offer-${newKey()}`;
    const created = await acts.createPaymentRequest({
      key: `${wf}/payment`,
      tenantId: t,
      amount: '20000',
      currency: 'CLP',
      method: 'mercadopago',
      payerId: b.client.id,
      payeeId: b.pro.id,
      purpose: 'job',
      reference: `${wf} [sandbox:pending]`,
      escrow: true,
    });
    expect(created.status).toBe('pending');
    // The payer pays later (no webhook here: the sync activity reads the provider, as paymentSync does).
    await fetch(`${h.sandbox.url}/sandbox/payments/${created.providerPaymentId}/approve?silent=1`, {
      method: 'POST',
    });
    const synced = await acts.syncProviderPayment({
      tenantId: t,
      provider: 'mercadopago',
      providerPaymentId: created.providerPaymentId!,
    });
    expect(synced.status).toBe('held');
    const refunded = await acts.refund({
      key: `${wf}/refund`,
      tenantId: t,
      paymentId: created.id,
      amount: '5000',
    });
    expect(refunded).toMatchObject({ status: 'partially_refunded', refundedAmount: '5000' });
    const paid = await acts.releasePayout({
      key: `${wf}/payout`,
      tenantId: t,
      paymentId: created.id,
      commissionBps: 1000,
    });
    expect(paid).toMatchObject({
      status: 'partially_refunded',
      capturedAmount: '20000',
      refundedAmount: '5000',
    });
    // The provider refunded exactly the part: approved, partially_refunded, like MercadoPago.
    const creds = await runWithContext({ tenantId: t }, () =>
      credentialsFor(h.orm.em.fork() as unknown as EntityManager, SECRET_KEY, t, 'mercadopago'),
    );
    const remote = await fetch(`${h.sandbox.url}/v1/payments/${created.providerPaymentId}`, {
      headers: { Authorization: `Bearer ${creds.accessToken}` },
    });
    expect(await remote.json()).toMatchObject({
      status: 'approved',
      status_detail: 'partially_refunded',
      transaction_amount_refunded: 5000,
    });
  });

  it('reports domain failures as non-retryable, typed by their code', async () => {
    const poor = (await business(h)).client;
    const attempt = acts.createPaymentRequest({
      key: newKey(),
      tenantId: b.biz.tenantId,
      amount: '1',
      currency: 'CLP',
      method: 'wallet',
      payerId: poor.id,
      purpose: 'job',
      reference: 'x',
    });
    await expect(attempt).rejects.toMatchObject({ type: 'INSUFFICIENT_BALANCE', nonRetryable: true });
    await expect(
      acts.getPaymentStatus({ tenantId: b.biz.tenantId, paymentId: '01930000-0000-7000-8000-000000000000' }),
    ).rejects.toBeInstanceOf(ApplicationFailure);
    const pending = await acts.createPaymentRequest({
      key: newKey(),
      tenantId: b.biz.tenantId,
      amount: '500',
      currency: 'CLP',
      method: 'mercadopago',
      payerId: b.client.id,
      payeeId: b.pro.id,
      purpose: 'job',
      reference: 'p [sandbox:pending]',
      escrow: true,
    });
    await expect(
      acts.holdInEscrow({ tenantId: b.biz.tenantId, paymentId: pending.id }),
    ).rejects.toMatchObject({ type: 'PAYMENT_NOT_HELD' });
  });
});
