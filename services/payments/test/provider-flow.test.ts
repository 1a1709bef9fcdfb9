/**
 * MercadoPago through the sandbox, webhooks and the Temporal workflows that apply them (real dev
 * server, real workers on the `payments` and `workflows` queues). The only file that runs them.
 */
import request from 'supertest';
import { runWithContext } from '@faena/platform';
import { eventually } from '@faena/platform/testing';
import { Payment } from '../src/domain/entities.ts';
import { signWebhook } from '../src/providers/webhook.ts';
import {
  RECONCILE_TASK_QUEUE,
  RECONCILE_WORKFLOW_TYPE,
  paymentSyncWorkflowId,
  type ReconcileWorkflow,
} from '@faena/workflows/payments/contract';
import {
  API,
  bearer,
  business,
  newKey,
  startPayments,
  startWorkers,
  type Business,
  type PaymentsHarness,
} from './harness.ts';

let h: PaymentsHarness;
let b: Business;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let creds: { accessToken: string; webhookSecret: string };
beforeAll(async () => {
  h = await startPayments();
  b = await business(h);
  workers = await startWorkers(h);
  creds = (await request(h.sandbox.url).post('/sandbox/accounts')).body;
  await h.agent.put(`${API}/providers/mercadopago`).set(bearer(b.owner)).send(creds);
}, 90000);
afterAll(async () => {
  await workers.stop();
  await h.close();
});

const mpPayment = (reference: string, extra: Record<string, unknown> = {}) =>
  h.agent
    .post(`${API}/payments`)
    .set(bearer(b.owner))
    .set('Idempotency-Key', newKey('mp'))
    .send({
      amount: 150000,
      currency: 'CLP',
      method: 'mercadopago',
      payerId: b.client.id,
      payeeId: b.pro.id,
      escrow: true,
      purpose: 'job',
      reference,
      ...extra,
    });
const status = async (id: string) =>
  (await h.agent.get(`${API}/payments/${id}`).set(bearer(b.owner))).body.data as {
    status: string;
    providerPaymentId: string;
    capturedAmount: string;
  };
const webhookUrl = () => `${API}/webhooks/mercadopago/${b.biz.tenantId}`;
const notificationsFor = async (providerPaymentId: string) =>
  Number(
    (
      await h.orm.em
        .fork()
        .getConnection()
        .execute<Array<{ n: string }>>(
          `select count(*)::text as n from payments.provider_notifications where provider_payment_id = ?`,
          [providerPaymentId],
        )
    )[0]!.n,
  );
const entriesFor = async (paymentId: string) =>
  Number(
    (
      await h.orm.em
        .fork()
        .getConnection()
        .execute<Array<{ n: string }>>(
          `select count(*)::text as n from payments.journal_entries where payment_id = ?`,
          [paymentId],
        )
    )[0]!.n,
  );

function signed(
  dataId: string,
  opts: { secret?: string; ts?: string; notificationId?: string; tenantId?: string } = {},
) {
  const requestId = `req-${newKey()}`;
  const ts = opts.ts ?? String(Math.floor(Date.now() / 1000));
  const url = opts.tenantId ? `${API}/webhooks/mercadopago/${opts.tenantId}` : webhookUrl();
  return h.agent
    .post(`${url}?data.id=${dataId}&type=payment`)
    .set('x-request-id', requestId)
    .set('x-signature', signWebhook(opts.secret ?? creds.webhookSecret, dataId, requestId, ts))
    .send({
      id: opts.notificationId ?? newKey('n'),
      type: 'payment',
      action: 'payment.updated',
      data: { id: dataId },
    });
}

describe('MercadoPago payments', () => {
  it('a payment approved at the provider reaches escrow through the signed webhook and the workflow', async () => {
    const created = await mpPayment('job-1');
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ status: 'pending', provider: 'mercadopago' });
    expect(created.body.data.checkoutUrl).toContain('/sandbox/checkout/');
    const id = created.body.data.id as string;
    await eventually(async () => expect((await status(id)).status).toBe('held'), 20000);
    expect((await status(id)).capturedAmount).toBe('150000');
    const escrow = (await h.agent.get(`${API}/accounts`).set(bearer(b.owner))).body.data.find(
      (a: { kind: string }) => a.kind === 'platform_escrow',
    );
    expect(BigInt(escrow.balance)).toBeGreaterThanOrEqual(150000n);
  }, 30000);

  it('a rejected payment fails', async () => {
    const created = await mpPayment('job-2 [sandbox:reject]');
    await eventually(async () => expect((await status(created.body.data.id)).status).toBe('failed'), 20000);
  }, 30000);
});

describe('webhooks', () => {
  it('refuses a bad signature with 401 and changes nothing', async () => {
    const created = await mpPayment('job-3 [sandbox:pending]');
    const providerId = created.body.data.providerPaymentId as string;
    const forged = await signed(providerId, { secret: 'not-the-tenant-secret-at-all' });
    expect(forged.status).toBe(401);
    expect(forged.body.errors[0].code).toBe('INVALID_SIGNATURE');
    const noHeader = await h.agent
      .post(`${webhookUrl()}?data.id=${providerId}`)
      .send({ id: 'x1', type: 'payment', data: { id: providerId } });
    expect(noHeader.status).toBe(401);
    expect(await notificationsFor(providerId)).toBe(0);
    expect((await status(created.body.data.id)).status).toBe('pending');
  });

  it('refuses a signature whose ts is more than 300 s away', async () => {
    const created = await mpPayment('job-4 [sandbox:pending]');
    const providerId = created.body.data.providerPaymentId as string;
    const stale = await signed(providerId, { ts: String(Math.floor(Date.now() / 1000) - 301) });
    expect(stale.status).toBe(401);
    expect(stale.body.errors[0].message).toMatch(/too old/);
    expect(await notificationsFor(providerId)).toBe(0);
  });

  it('processes the same notification sent 3 times once', async () => {
    const created = await mpPayment('job-5 [sandbox:pending]');
    const { id, providerPaymentId } = created.body.data as { id: string; providerPaymentId: string };
    await request(h.sandbox.url).post(`/sandbox/payments/${providerPaymentId}/approve?silent=1`);
    const notificationId = newKey('same');
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await signed(providerPaymentId, { notificationId }));
    expect(answers.map((a) => [a.status, a.body.data.duplicate])).toEqual([
      [200, false],
      [200, true],
      [200, true],
    ]);
    await eventually(async () => expect((await status(id)).status).toBe('held'), 20000);
    expect(await notificationsFor(providerPaymentId)).toBe(1);
    expect(await entriesFor(id)).toBe(1);
  }, 30000);

  it('deduplicates per tenant: two tenants receiving the same notification id both process it', async () => {
    // A second business with its own MercadoPago account (its own webhook secret).
    const other = await business(h);
    const otherCreds = (await request(h.sandbox.url).post('/sandbox/accounts')).body as typeof creds;
    await h.agent.put(`${API}/providers/mercadopago`).set(bearer(other.owner)).send(otherCreds);
    const pendingFor = async (owner: Business, reference: string) => {
      const created = await h.agent
        .post(`${API}/payments`)
        .set(bearer(owner.owner))
        .set('Idempotency-Key', newKey('mp'))
        .send({
          amount: 150000,
          currency: 'CLP',
          method: 'mercadopago',
          payerId: owner.client.id,
          payeeId: owner.pro.id,
          escrow: true,
          purpose: 'job',
          reference,
        });
      expect(created.status).toBe(201);
      const data = created.body.data as { id: string; providerPaymentId: string };
      await request(h.sandbox.url).post(`/sandbox/payments/${data.providerPaymentId}/approve?silent=1`);
      return data;
    };
    const mine = await pendingFor(b, 'job-7 [sandbox:pending]');
    const theirs = await pendingFor(other, 'job-8 [sandbox:pending]');
    const notificationId = newKey('shared');
    // Tenant A is sent (or posts to its own URL) notification N first; tenant B's genuine N follows.
    const first = await signed(mine.providerPaymentId, { notificationId });
    const second = await signed(theirs.providerPaymentId, {
      notificationId,
      tenantId: other.biz.tenantId,
      secret: otherCreds.webhookSecret,
    });
    expect([first.status, first.body.data.duplicate]).toEqual([200, false]);
    expect([second.status, second.body.data.duplicate]).toEqual([200, false]);
    // Still once per tenant.
    const again = await signed(theirs.providerPaymentId, {
      notificationId,
      tenantId: other.biz.tenantId,
      secret: otherCreds.webhookSecret,
    });
    expect([again.status, again.body.data.duplicate]).toEqual([200, true]);
    const statusOf = async (owner: Business, id: string) =>
      ((await h.agent.get(`${API}/payments/${id}`).set(bearer(owner.owner))).body.data as { status: string })
        .status;
    await eventually(async () => {
      expect(await statusOf(b, mine.id)).toBe('held');
      expect(await statusOf(other, theirs.id)).toBe('held');
    }, 20000);
    expect(await notificationsFor(mine.providerPaymentId)).toBe(1);
    expect(await notificationsFor(theirs.providerPaymentId)).toBe(1);
    expect(await entriesFor(theirs.id)).toBe(1);
  }, 40000);

  it('does not lose a notification that arrives before the payment row commits', async () => {
    // The provider knows a payment whose row Faena has not committed yet (its external reference is our id).
    const ourId = '01930000-0000-7000-8000-' + Date.now().toString(16).padStart(12, '0').slice(-12);
    const remote = await request(h.sandbox.url)
      .post('/v1/payments')
      .set('Authorization', `Bearer ${creds.accessToken}`)
      .send({
        transaction_amount: 2500,
        currency_id: 'CLP',
        description: 'late row',
        external_reference: ourId,
        notification_url: `${h.deps.publicUrl}${webhookUrl()}`,
      });
    await eventually(async () => expect(await notificationsFor(String(remote.body.id))).toBe(1), 10000);
    // The workflow tried, did not find the payment, and keeps retrying instead of dropping the notification.
    const sync = h.temporal.workflow.getHandle(
      paymentSyncWorkflowId(b.biz.tenantId, 'mercadopago', String(remote.body.id)),
    );
    await eventually(async () => {
      const pending = (await sync.describe()).raw.pendingActivities ?? [];
      expect(pending[0]?.lastFailure?.message).toMatch(/no payment for provider payment/);
    }, 15000);
    // Now the row commits (as a slow API transaction would), and the waiting workflow picks it up.
    await runWithContext({ tenantId: b.biz.tenantId }, () =>
      h.orm.em.fork().transactional(async (tx) => {
        tx.create(Payment, {
          id: ourId,
          tenantId: b.biz.tenantId,
          amount: 2500n,
          currency: 'CLP',
          method: 'mercadopago',
          status: 'pending',
          payerId: b.client.id,
          payeeId: null,
          purpose: 'late',
          reference: 'late row',
          escrow: false,
          capturedAmount: 0n,
          refundedAmount: 0n,
          idempotencyKey: newKey('late'),
        } as Payment);
      }),
    );
    await eventually(async () => expect((await status(ourId)).status).toBe('captured'), 20000);
  }, 40000);
});

describe('reconciliation', () => {
  it('the janitor settles a payment whose notification never came', async () => {
    const created = await mpPayment('job-6 [sandbox:pending]');
    const { id, providerPaymentId } = created.body.data as { id: string; providerPaymentId: string };
    await request(h.sandbox.url).post(`/sandbox/payments/${providerPaymentId}/approve?silent=1`);
    expect((await status(id)).status).toBe('pending');
    const result = await h.temporal.workflow.execute<ReconcileWorkflow>(RECONCILE_WORKFLOW_TYPE, {
      taskQueue: RECONCILE_TASK_QUEUE,
      workflowId: `reconcile-test-${newKey()}`,
      args: [{ olderThanMinutes: 0 }],
    });
    expect(result.checked).toBeGreaterThanOrEqual(1);
    expect(result.updated).toBeGreaterThanOrEqual(1);
    expect((await status(id)).status).toBe('held');
  }, 30000);
});
