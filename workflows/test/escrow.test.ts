/**
 * The escrow deal on the time-skipping test server: the real workflow, the real payments
 * activities on a real ledger (PostgreSQL) with the MercadoPago sandbox, and recording stand-ins
 * for the marketplace, notifications and identity activities (their own suites test them; here
 * they only witness the calls). Histories for replay come from the real dev server instead
 * (live-replay.test.ts): the time-skipping server orders some events differently.
 */
import { fileURLToPath } from 'node:url';
import type { EntityManager } from '@mikro-orm/postgresql';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { uuidv7 } from 'uuidv7';
import { runMigrations, runWithContext, withEm, workflowWorkerOptions, type Orm } from '@faena/platform';
import { captureLogger, createTimeSkippingEnv, eventually, testDatabaseUrl } from '@faena/platform/testing';
import { saveCredentials } from '../../services/payments/src/domain/providers.ts';
import { startSandbox, type Sandbox } from '../../services/payments/src/sandbox/server.ts';
import { createPaymentsOrm } from '../../services/payments/src/wiring.ts';
import {
  approve,
  cancel,
  dispute,
  ESCROW_TASK_QUEUE,
  ESCROW_WORKFLOW_TYPE,
  type EscrowInput,
  type EscrowStatus,
  type EscrowWorkflow,
  escrowWorkflowId,
  markCompleted,
  resolveDispute,
  retry,
  statusQuery,
} from '../src/escrow/contract.ts';
import { paymentStatusChanged } from '../src/payments/contract.ts';
import {
  SECRET,
  dealInput,
  fundWallet as fundWalletOf,
  identityStandIn,
  notificationsStandIn,
  paymentsWithFailures,
} from './support/stand-ins.ts';

const tenantId = uuidv7();
let env: TestWorkflowEnvironment;
let orm: Orm;
let workers: Worker[];
let running: Promise<unknown>;
const events: Array<{ jobId: string; status: string; actor: string; key: string }> = [];
const notified: Array<{ key: string; event: string; userId?: string }> = [];
/** The real payments activities, with the failures a test injects. */
let failing: ReturnType<typeof paymentsWithFailures>;
const OPERATOR = { id: uuidv7(), name: 'Olga Operadora' };
const CLIENT_NAME = 'Carla Cliente';
/** Names identity gives the parties of the deals below. */
const people = new Map<string, string>();
let sandbox: Sandbox;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  orm = await createPaymentsOrm({ DATABASE_URL: await testDatabaseUrl(), DATABASE_POOL_MAX: 5 });
  await runMigrations(orm);
  const { logger } = captureLogger();
  // A provider that never confirms, for the payment-window path (the sandbox, told to leave payments pending).
  sandbox = await startSandbox({ defaultOutcome: 'pending' });
  const account = (await (await fetch(`${sandbox.url}/sandbox/accounts`, { method: 'POST' })).json()) as {
    accessToken: string;
    webhookSecret: string;
  };
  await runWithContext({ tenantId }, () =>
    withEm(orm, (e) =>
      saveCredentials(e as unknown as EntityManager, SECRET, tenantId, 'mercadopago', account),
    ),
  );
  failing = paymentsWithFailures({ orm, logger, sandboxUrl: sandbox.url });
  realPayments = failing.real;
  const connection = env.nativeConnection;
  workers = await Promise.all([
    Worker.create({
      connection,
      taskQueue: 'workflows',
      ...workflowWorkerOptions({ workflowsPath: fileURLToPath(new URL('../src/index.ts', import.meta.url)) }),
    }),
    Worker.create({ connection, taskQueue: 'payments', activities: failing.activities }),
    Worker.create({
      connection,
      taskQueue: 'marketplace',
      activities: {
        async recordJobEvent(e: { jobId: string; status: string; actor: string; key: string }) {
          if (!events.some((x) => x.key === e.key)) events.push(e);
        },
      },
    }),
    Worker.create({
      connection,
      taskQueue: 'identity',
      activities: identityStandIn({
        tenantId,
        operator: OPERATOR,
        nameOf: (id) => people.get(id) ?? 'Someone',
      }),
    }),
    Worker.create({
      connection,
      taskQueue: 'notifications',
      activities: notificationsStandIn((n) => notified.push(n)),
    }),
  ]);
  running = Promise.all(workers.map((w) => w.run()));
}, 120000);

afterAll(async () => {
  workers?.forEach((w) => w.shutdown());
  await running;
  await orm?.close(true);
  await sandbox?.close();
  await env?.teardown();
});

const em = () => orm.em.fork() as unknown as EntityManager;
let realPayments: ReturnType<typeof paymentsWithFailures>['real'];

/**
 * The payer opens the deal's checkout URL and pays with a MercadoPago test name (APRO approves,
 * CONT stays pending, OTHE/FUND/SECU/EXPI/CALL are declined); payments reads the provider and the
 * deal is told, as the webhook → paymentSync path does.
 */
async function payAtCheckout(handle: WorkflowHandle, name: string): Promise<string> {
  const st = await eventually(async () => {
    const x = await handle.query(statusQuery);
    expect(x.checkoutUrl).toEqual(expect.any(String));
    return x;
  });
  const res = await fetch(st.checkoutUrl!, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({ cardholderName: name }).toString(),
  });
  expect(res.status).toBe(200);
  const [row] = await em().execute<Array<{ pid: string }>>(
    `select provider_payment_id as pid from payments.payments where id = ?`,
    [st.paymentId],
  );
  const synced = await realPayments.syncProviderPayment({
    tenantId,
    provider: 'mercadopago',
    providerPaymentId: row!.pid,
  });
  await handle.signal(paymentStatusChanged, { paymentId: st.paymentId!, status: synced.status });
  return synced.status;
}

/** The provider approves a pending payment (no webhook here) and payments applies it, as paymentSync would. */
async function approveAtProvider(handle: WorkflowHandle, paymentId: string) {
  const [row] = await em().execute<Array<{ pid: string }>>(
    `select provider_payment_id as pid from payments.payments where id = ?`,
    [paymentId],
  );
  const res = await fetch(`${sandbox.url}/sandbox/payments/${row!.pid}/approve?silent=1`, { method: 'POST' });
  expect(res.status).toBe(200);
  const synced = await realPayments.syncProviderPayment({
    tenantId,
    provider: 'mercadopago',
    providerPaymentId: row!.pid,
  });
  expect(synced.status).toBe('held');
  await handle.signal(paymentStatusChanged, { paymentId, status: synced.status });
}
async function balance(kind: string, ownerId: string | null, currency = 'ARS'): Promise<bigint> {
  const rows = await em().execute<Array<{ b: string }>>(
    `select balance::text as b from payments.accounts where tenant_id = ? and kind = ? and owner_id is not distinct from ? and currency = ?`,
    [tenantId, kind, ownerId, currency],
  );
  return BigInt(rows[0]?.b ?? '0');
}
const fundWallet = (userId: string, amount: bigint) => fundWalletOf(orm, tenantId, userId, amount);

interface Deal {
  input: EscrowInput;
  handle: WorkflowHandle;
}
async function startDeal(over: Partial<EscrowInput> = {}, opts: { fund?: boolean } = {}): Promise<Deal> {
  const input = dealInput(tenantId, over);
  people.set(input.clientId, CLIENT_NAME).set(input.professionalId, 'Pablo Plomero');
  if (input.method === 'wallet' && opts.fund !== false)
    await fundWallet(input.clientId, BigInt(input.amount));
  const handle = await env.client.workflow.start<EscrowWorkflow>(ESCROW_WORKFLOW_TYPE, {
    taskQueue: ESCROW_TASK_QUEUE,
    workflowId: escrowWorkflowId(tenantId, input.offerId),
    args: [input],
  });
  return { input, handle };
}
const waitFor = async (h: WorkflowHandle, state: EscrowStatus['state']) => {
  for (let i = 0; i < 200; i++) {
    if ((await h.query(statusQuery)).state === state) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`deal never reached ${state}: ${(await h.query(statusQuery)).state}`);
};
/** The run's "Current details" as the Temporal UI shows them. */
const details = async (h: WorkflowHandle) =>
  (await h.query<{ currentDetails: string }>('__temporal_workflow_metadata')).currentDetails.replace(
    /\u00a0/g,
    ' ',
  );
const jobStatuses = (jobId: string) => events.filter((e) => e.jobId === jobId).map((e) => e.status);
const refusal = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return (err as WorkflowUpdateFailedError).cause as unknown as { type: string; message: string };
};

describe('escrow workflow', () => {
  it('happy path: paid from the wallet, completed, approved, paid out minus the commission', async () => {
    const { input, handle } = await startDeal({ professionalName: 'Pablo Plomero' });
    await waitFor(handle, 'in_progress');
    expect(await balance('customer_wallet', input.clientId)).toBe(0n);
    const completed = await handle.executeUpdate(markCompleted, {
      args: [{ professionalId: input.professionalId, note: 'done' }],
    });
    expect(completed.state).toBe('completed_by_professional');
    expect(completed.approvalDeadline).not.toBeNull();
    // The approval answers with the money moved: net payout and commission, not a promise.
    const approved = await handle.executeUpdate(approve, { args: [{ clientId: input.clientId }] });
    expect(approved).toMatchObject({
      state: 'paid_out',
      paidOut: '90000',
      commission: '10000',
      refunded: '0',
    });
    const final = (await handle.result()) as EscrowStatus;
    expect(final).toMatchObject({
      state: 'paid_out',
      paidOut: '90000',
      commission: '10000',
      operatorAction: null,
    });
    expect(await balance('professional_payable', input.professionalId)).toBe(90000n);
    expect(jobStatuses(input.jobId)).toEqual([
      'in_progress',
      'completed_by_professional',
      'approved',
      'paid_out',
    ]);
    expect(notified.filter((n) => n.key.startsWith(handle.workflowId)).map((n) => n.event)).toContain(
      'escrow.released',
    );
    const text = await details(handle);
    expect(text).toContain('**paid_out**');
    expect(text).toContain(
      `Fix the kitchen sink: ${CLIENT_NAME} pays Pablo Plomero $ 1.000,00 (commission 10%).`,
    );
    expect(text).toContain('Paid out $ 900,00 to Pablo Plomero, commission $ 100,00.');
    expect(text).toContain('Waiting for: nothing — the deal is over.');
    expect(text).toContain('Operator action: none.');
  });

  it('a dispute split 70/30 by a verified operator refunds 70% and pays 30% out minus commission', async () => {
    const { input, handle } = await startDeal();
    await waitFor(handle, 'in_progress');
    await handle.executeUpdate(markCompleted, { args: [{ professionalId: input.professionalId }] });
    await handle.executeUpdate(dispute, {
      args: [{ clientId: input.clientId, reason: 'half done', evidence: ['photo-1'] }],
    });
    await waitFor(handle, 'disputed');
    const open = await details(handle);
    expect(open).toContain('Waiting for: an operator: resolveDispute (refund + payout = $ 1.000,00).');
    expect(open).toContain('Operator action: resolveDispute.');
    expect((await handle.query(statusQuery)).operatorAction).toBe('resolveDispute');
    const wrong = await refusal(
      handle.executeUpdate(resolveDispute, {
        args: [{ operatorId: OPERATOR.id, refund: '70000', payout: '20000', note: 'split' }],
      }),
    );
    expect(wrong).toMatchObject({ type: 'VALIDATION_FAILED' });
    expect(wrong.message).toMatch(/must equal the held amount 100000/);
    // Free text or a user without the permission is refused; the dispute stays open for a real operator.
    expect(
      await refusal(
        handle.executeUpdate(resolveDispute, {
          args: [{ operatorId: 'Olga', refund: '70000', payout: '30000', note: 'split' }],
        }),
      ),
    ).toMatchObject({ type: 'VALIDATION_FAILED' });
    expect(
      await refusal(
        handle.executeUpdate(resolveDispute, {
          args: [{ operatorId: uuidv7(), refund: '70000', payout: '30000', note: 'split' }],
        }),
      ),
    ).toMatchObject({ type: 'FORBIDDEN' });
    const escrowBefore = await balance('platform_escrow', null);
    const revenueBefore = await balance('platform_revenue', null);
    const resolved = await handle.executeUpdate(resolveDispute, {
      args: [{ operatorId: OPERATOR.id, refund: '70000', payout: '30000', note: '70/30 after review' }],
    });
    expect(resolved).toMatchObject({
      state: 'resolved',
      refunded: '70000',
      paidOut: '27000',
      commission: '3000',
    });
    expect(resolved.resolution).toMatchObject({ operatorId: OPERATOR.id, operatorName: OPERATOR.name });
    const final = (await handle.result()) as EscrowStatus;
    expect(final).toMatchObject({ state: 'resolved', refunded: '70000', paidOut: '27000' });
    expect(await balance('customer_wallet', input.clientId)).toBe(70000n);
    expect(await balance('professional_payable', input.professionalId)).toBe(27000n);
    expect((await balance('platform_revenue', null)) - revenueBefore).toBe(3000n);
    expect(escrowBefore - (await balance('platform_escrow', null))).toBe(100000n);
    expect(jobStatuses(input.jobId)).toEqual([
      'in_progress',
      'completed_by_professional',
      'disputed',
      'resolved',
    ]);
    expect(events.find((e) => e.jobId === input.jobId && e.status === 'resolved')?.actor).toBe('operator');
  });

  it('a payout that fails twice after paying is retried and pays out exactly once', async () => {
    const { input, handle } = await startDeal();
    await waitFor(handle, 'in_progress');
    await handle.executeUpdate(markCompleted, { args: [{ professionalId: input.professionalId }] });
    failing.payoutCrashes(2);
    await handle.executeUpdate(approve, { args: [{ clientId: input.clientId }] });
    const final = (await handle.result()) as EscrowStatus;
    expect(final).toMatchObject({ state: 'paid_out', paidOut: '90000' });
    expect(failing.payoutCrashesLeft()).toBe(0);
    expect(await balance('professional_payable', input.professionalId)).toBe(90000n);
    const entries = await em().execute<Array<{ n: string }>>(
      `select count(*)::text as n from payments.journal_entries where tenant_id = ? and kind = 'payout' and idempotency_key = ?`,
      [tenantId, `${handle.workflowId}/payout`],
    );
    expect(entries[0]!.n).toBe('1');
  }, 60000);

  it('cancellation before completion refunds the client in full', async () => {
    const { input, handle } = await startDeal();
    await waitFor(handle, 'in_progress');
    await handle.executeUpdate(cancel, {
      args: [{ by: 'professional', actorId: input.professionalId, reason: 'cannot make it' }],
    });
    const final = (await handle.result()) as EscrowStatus;
    expect(final).toMatchObject({ state: 'cancelled', refunded: '100000' });
    expect(await balance('customer_wallet', input.clientId)).toBe(100000n);
    expect(jobStatuses(input.jobId)).toEqual(['in_progress', 'cancelled']);
  });

  it('an empty wallet ends the deal as payment_failed (never a Failed workflow) and tells both sides', async () => {
    const { input, handle } = await startDeal({ method: 'wallet' }, { fund: false });
    const final = (await handle.result()) as EscrowStatus;
    expect(final).toMatchObject({
      state: 'payment_failed',
      paymentId: null,
      paymentFailure: { code: 'INSUFFICIENT_BALANCE', reason: 'the wallet does not hold enough' },
    });
    expect(jobStatuses(input.jobId)).toEqual(['payment_failed']);
    const told = notified.filter(
      (n) => n.key.startsWith(handle.workflowId) && n.event === 'escrow.payment_failed',
    );
    expect(told.map((n) => n.userId).sort()).toEqual([input.clientId, input.professionalId].sort());
    expect(await details(handle)).toContain('Payment failed: the wallet does not hold enough.');
  });

  it('a refund the provider refuses for credentials waits in refund_blocked for a verified operator retry', async () => {
    const { input, handle } = await startDeal();
    await waitFor(handle, 'in_progress');
    failing.refundAuthFailure((key) => key.startsWith(`${handle.workflowId}/`));
    await handle.executeUpdate(cancel, {
      args: [{ by: 'client', actorId: input.clientId, reason: 'moved away' }],
    });
    await waitFor(handle, 'refund_blocked');
    const blocked = await handle.query(statusQuery);
    expect(blocked).toMatchObject({ operatorAction: 'retry', blocked: { step: 'refund', attempts: 1 } });
    expect(blocked.blocked!.reason).toMatch(/^PROVIDER_AUTH_FAILED: provider answered 401/);
    expect(await details(handle)).toContain('Operator action: retry.');
    expect(notified.some((n) => n.key.startsWith(handle.workflowId) && n.event === 'escrow.delayed')).toBe(
      true,
    );
    expect(
      await refusal(handle.executeUpdate(retry, { args: [{ operatorId: uuidv7(), note: 'fixed' }] })),
    ).toMatchObject({ type: 'FORBIDDEN' });
    const retried = await handle.executeUpdate(retry, {
      args: [{ operatorId: OPERATOR.id, note: 'credentials rotated' }],
    });
    expect(retried.blocked).toBeNull();
    const final = (await handle.result()) as EscrowStatus;
    expect(final).toMatchObject({ state: 'cancelled', refunded: '100000', blocked: null });
    expect(await balance('customer_wallet', input.clientId)).toBe(100000n);
    expect(events.some((e) => e.jobId === input.jobId && e.actor === 'operator')).toBe(true);
  });

  it('refuses updates in the wrong state or from the wrong party, with a clear message', async () => {
    const { input, handle } = await startDeal();
    await waitFor(handle, 'in_progress');
    const early = await refusal(handle.executeUpdate(approve, { args: [{ clientId: input.clientId }] }));
    expect(early).toMatchObject({ type: 'INVALID_STATE_TRANSITION' });
    expect(early.message).toMatch(/cannot be approved while it is in_progress/);
    expect(
      (await refusal(handle.executeUpdate(markCompleted, { args: [{ professionalId: uuidv7() }] }))).type,
    ).toBe('FORBIDDEN');
    expect(
      (
        await refusal(
          handle.executeUpdate(resolveDispute, {
            args: [{ operatorId: OPERATOR.id, refund: '0', payout: '100000', note: 'x' }],
          }),
        )
      ).type,
    ).toBe('INVALID_STATE_TRANSITION');
    expect(
      (await refusal(handle.executeUpdate(retry, { args: [{ operatorId: OPERATOR.id }] }))).message,
    ).toMatch(/Only a blocked refund or payout can be retried/);
    await handle.executeUpdate(markCompleted, { args: [{ professionalId: input.professionalId }] });
    expect(
      (
        await refusal(
          handle.executeUpdate(cancel, {
            args: [{ by: 'client', actorId: input.clientId, reason: 'changed my mind' }],
          }),
        )
      ).message,
    ).toMatch(/can no longer be cancelled/);
    const status = await handle.query(statusQuery);
    expect(status.state).toBe('completed_by_professional');
    expect(status.approvalDeadline).not.toBeNull();
    expect(await details(handle)).toMatch(
      /Waiting for: Carla Cliente to approve or dispute by .+ \(America\/Argentina\/Buenos_Aires\); silence approves\./,
    );
    await handle.executeUpdate(approve, { args: [{ clientId: input.clientId }] });
    expect(((await handle.result()) as EscrowStatus).state).toBe('paid_out');
  });

  it.each([
    ['APRO', 'held', 'in_progress'],
    ['OTHE', 'failed', 'payment_failed'],
    ['FUND', 'failed', 'payment_failed'],
    ['SECU', 'failed', 'payment_failed'],
    ['EXPI', 'failed', 'payment_failed'],
    ['CALL', 'failed', 'payment_failed'],
  ])('the sandbox test name %s at checkout: the payment is %s, the deal %s', async (name, payment, deal) => {
    const { input, handle } = await startDeal({ method: 'mercadopago', amount: '2500' });
    expect(await payAtCheckout(handle, name)).toBe(payment);
    const st = await waitFor(handle, deal as EscrowStatus['state']).then(() => handle.query(statusQuery));
    if (deal === 'payment_failed')
      expect(st.paymentFailure).toMatchObject({
        code: 'PAYMENT_REJECTED',
        reason: 'the payment was declined',
      });
    else {
      await handle.executeUpdate(cancel, {
        args: [{ by: 'client', actorId: input.clientId, reason: 'test over' }],
      });
      expect(((await handle.result()) as EscrowStatus).refunded).toBe('2500');
    }
  });

  // Last: these let the test server skip hours of timers while the deal is idle.
  it('CONT leaves the payment pending; approved 20 minutes later it still funds the deal', async () => {
    const { input, handle } = await startDeal({ method: 'mercadopago', amount: '3000' });
    expect(await payAtCheckout(handle, 'CONT')).toBe('pending');
    await env.sleep(20 * 60 * 1000); // inside the 30-minute window
    expect((await handle.query(statusQuery)).state).toBe('awaiting_payment');
    await approveAtProvider(handle, (await handle.query(statusQuery)).paymentId!);
    await waitFor(handle, 'in_progress');
    await handle.executeUpdate(markCompleted, { args: [{ professionalId: input.professionalId }] });
    await handle.executeUpdate(approve, { args: [{ clientId: input.clientId }] });
    expect((await handle.result()) as EscrowStatus).toMatchObject({ state: 'paid_out', paidOut: '2700' });
  }, 60000);

  it('payment timeout ends the deal as payment_failed; a payment approved later is refunded automatically', async () => {
    // The provider leaves the payment pending (see the sandbox above) and no confirmation comes in time.
    const { input, handle } = await startDeal({ method: 'mercadopago', amount: '5000' });
    const pending = await eventually(async () => {
      const st = await handle.query(statusQuery);
      expect(st).toMatchObject({ state: 'awaiting_payment', paymentId: expect.any(String) });
      return st;
    });
    expect(pending.paymentDeadline).not.toBeNull();
    expect(await details(handle)).toMatch(
      /Waiting for: Carla Cliente to pay \$ 50,00 by .+ \(America\/Argentina\/Buenos_Aires\)\./,
    );
    await env.sleep(31 * 60 * 1000); // past the 30-minute window
    await waitFor(handle, 'payment_failed');
    expect((await handle.query(statusQuery)).paymentFailure).toMatchObject({ code: 'PAYMENT_WINDOW_ENDED' });
    const told = notified.filter(
      (n) => n.key.startsWith(handle.workflowId) && n.event === 'escrow.payment_failed',
    );
    expect(told.map((n) => n.userId).sort()).toEqual([input.clientId, input.professionalId].sort());
    // 20 minutes after the window, the client pays after all: the provider approves, payments syncs it.
    await env.sleep(20 * 60 * 1000);
    await approveAtProvider(handle, pending.paymentId!);
    const final = (await handle.result()) as EscrowStatus;
    expect(final).toMatchObject({ state: 'payment_failed', refunded: '5000' });
    expect(events.filter((e) => e.jobId === input.jobId).map((e) => e.status)).toEqual([
      'payment_failed',
      'payment_failed',
    ]);
    expect(
      notified.some((n) => n.key.startsWith(handle.workflowId) && n.event === 'escrow.late_refund'),
    ).toBe(true);
    const refunds = await em().execute<Array<{ n: string }>>(
      `select count(*)::text as n from payments.journal_entries where tenant_id = ? and idempotency_key = ?`,
      [tenantId, `${handle.workflowId}/late-refund`],
    );
    expect(refunds[0]!.n).toBe('1');
  }, 60000);

  it('approves automatically when the 72-hour approval window ends', async () => {
    const { input, handle } = await startDeal();
    await waitFor(handle, 'in_progress');
    await handle.executeUpdate(markCompleted, { args: [{ professionalId: input.professionalId }] });
    const before = await env.currentTimeMs();
    const final = (await handle.result()) as EscrowStatus;
    expect(final.state).toBe('paid_out');
    expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(72 * 3600 * 1000);
    expect(events.find((e) => e.jobId === input.jobId && e.status === 'approved')?.actor).toBe('system');
  }, 60000);
});
