import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../src/activities.ts';
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
    const paid = await acts.releasePayout({
      key: `${wf}/payout`,
      tenantId: b.biz.tenantId,
      paymentId: held.id,
      commissionBps: 0,
    });
    expect(paid.status).toBe('captured');
    expect((await balanceOf('customer_wallet', b.client.id)) - walletBefore).toBe(-7000n);
    expect(
      (await acts.getPaymentStatus({ tenantId: b.biz.tenantId, paymentId: held.id })).refundedAmount,
    ).toBe('3000');
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
