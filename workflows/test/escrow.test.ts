/**
 * The escrow deal on the time-skipping test server: the real workflow, the real payments
 * activities on a real ledger (PostgreSQL), and recording stand-ins for the marketplace and
 * notifications activities (their own suites test them; here they only witness the calls).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { uuidv7 } from 'uuidv7';
import { runMigrations, runWithContext, withEm, workflowInterceptorsModule, type Orm } from '@faena/platform';
import { captureLogger, createTimeSkippingEnv, testDatabaseUrl } from '@faena/platform/testing';
import { createActivities as createPaymentActivities } from '../../services/payments/src/activities.ts';
import { createPayment } from '../../services/payments/src/domain/payments.ts';
import { saveCredentials } from '../../services/payments/src/domain/providers.ts';
import { mercadoPagoProvider } from '../../services/payments/src/providers/mercadopago.ts';
import { startSandbox, type Sandbox } from '../../services/payments/src/sandbox/server.ts';
import { createPaymentsOrm } from '../../services/payments/src/wiring-orm.ts';
import {
  approve,
  cancel,
  dispute,
  escrowWorkflowId,
  markCompleted,
  resolveDispute,
  statusQuery,
  type EscrowInput,
  type EscrowStatus,
} from '../src/escrow/messages.ts';

const tenantId = uuidv7();
let env: TestWorkflowEnvironment;
let orm: Orm;
let workers: Worker[];
let running: Promise<unknown>;
const events: Array<{ jobId: string; status: string; actor: string; key: string }> = [];
const notified: Array<{ key: string; event: string; userId?: string }> = [];
let payoutFailuresLeft = 0;
let sandbox: Sandbox;
const SECRET = 'escrow-test-secret-escrow-test-secret';

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
  const real = createPaymentActivities({
    orm,
    logger,
    providers: { mercadopago: mercadoPagoProvider({ baseUrl: sandbox.url }) },
    secretKey: SECRET,
    publicUrl: 'http://127.0.0.1:9',
  });
  const payments = {
    ...real,
    // Pays out, then "crashes" before answering, as many times as asked: retries must not pay twice.
    async releasePayout(input: Parameters<typeof real.releasePayout>[0]) {
      const result = await real.releasePayout(input);
      if (payoutFailuresLeft > 0) {
        payoutFailuresLeft -= 1;
        throw new Error('worker crashed after paying out');
      }
      return result;
    },
  };
  const connection = env.nativeConnection;
  workers = await Promise.all([
    Worker.create({
      connection,
      taskQueue: 'workflows',
      workflowsPath: fileURLToPath(new URL('../src/index.ts', import.meta.url)),
      interceptors: { workflowModules: [workflowInterceptorsModule] },
    }),
    Worker.create({ connection, taskQueue: 'payments', activities: payments }),
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
      taskQueue: 'notifications',
      activities: {
        async notify(n: { key: string; event: string; recipient?: { userId?: string } }) {
          notified.push({ key: n.key, event: n.event, userId: n.recipient?.userId });
          return { notificationIds: [], duplicate: false };
        },
      },
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
async function balance(kind: string, ownerId: string | null, currency = 'ARS'): Promise<bigint> {
  const rows = await em().execute<Array<{ b: string }>>(
    `select balance::text as b from payments.accounts where tenant_id = ? and kind = ? and owner_id is not distinct from ? and currency = ?`,
    [tenantId, kind, ownerId, currency],
  );
  return BigInt(rows[0]?.b ?? '0');
}
async function fundWallet(userId: string, amount: bigint) {
  await runWithContext({ tenantId }, () =>
    withEm(orm, (e) =>
      createPayment(e as unknown as EntityManager, tenantId, {
        key: uuidv7(),
        amount,
        currency: 'ARS',
        method: 'cash',
        payerId: userId,
        purpose: 'wallet_topup',
        reference: 'test funds',
      }),
    ),
  );
}

interface Deal {
  input: EscrowInput;
  handle: WorkflowHandle;
}
async function startDeal(over: Partial<EscrowInput> = {}): Promise<Deal> {
  const input: EscrowInput = {
    tenantId,
    offerId: uuidv7(),
    jobId: uuidv7(),
    title: 'Fix the kitchen sink',
    clientId: uuidv7(),
    professionalId: uuidv7(),
    amount: '100000',
    currency: 'ARS',
    commissionBps: 1000,
    method: 'wallet',
    ...over,
  };
  if (input.method === 'wallet') await fundWallet(input.clientId, BigInt(input.amount));
  const handle = await env.client.workflow.start('escrow', {
    taskQueue: 'workflows',
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
/** `RECORD_HISTORIES=1` refreshes the histories the replay test runs (workflows/src/escrow/histories). */
async function record(handle: WorkflowHandle, name: string) {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await handle.fetchHistory();
  writeFileSync(
    fileURLToPath(new URL(`../src/escrow/histories/${name}.json`, import.meta.url)),
    `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n`,
  );
}
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
    const { input, handle } = await startDeal();
    await waitFor(handle, 'in_progress');
    expect(await balance('customer_wallet', input.clientId)).toBe(0n);
    await handle.executeUpdate(markCompleted, {
      args: [{ professionalId: input.professionalId, note: 'done' }],
    });
    const approved = await handle.executeUpdate(approve, { args: [{ clientId: input.clientId }] });
    expect(approved.state).toBe('approved');
    const final = (await handle.result()) as EscrowStatus;
    expect(final).toMatchObject({ state: 'paid_out', paidOut: '100000', refunded: '0' });
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
    await record(handle, 'happy-path');
  });

  it('a dispute split 70/30 refunds 70% to the wallet and pays 30% out minus commission', async () => {
    const { input, handle } = await startDeal();
    await waitFor(handle, 'in_progress');
    await handle.executeUpdate(markCompleted, { args: [{ professionalId: input.professionalId }] });
    await handle.executeUpdate(dispute, {
      args: [{ clientId: input.clientId, reason: 'half done', evidence: ['photo-1'] }],
    });
    const wrong = await refusal(
      handle.executeUpdate(resolveDispute, {
        args: [{ operatorId: 'op', refund: '70000', payout: '20000', note: 'split' }],
      }),
    );
    expect(wrong).toMatchObject({ type: 'VALIDATION_FAILED' });
    expect(wrong.message).toMatch(/must equal the held amount 100000/);
    const escrowBefore = await balance('platform_escrow', null);
    const revenueBefore = await balance('platform_revenue', null);
    await handle.executeUpdate(resolveDispute, {
      args: [{ operatorId: 'op-1', refund: '70000', payout: '30000', note: '70/30 after review' }],
    });
    const final = (await handle.result()) as EscrowStatus;
    expect(final).toMatchObject({ state: 'resolved', refunded: '70000', paidOut: '30000' });
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
    await record(handle, 'dispute-70-30');
  });

  it('a payout that fails twice after paying is retried and pays out exactly once', async () => {
    const { input, handle } = await startDeal();
    await waitFor(handle, 'in_progress');
    await handle.executeUpdate(markCompleted, { args: [{ professionalId: input.professionalId }] });
    payoutFailuresLeft = 2;
    await handle.executeUpdate(approve, { args: [{ clientId: input.clientId }] });
    const final = (await handle.result()) as EscrowStatus;
    expect(final.state).toBe('paid_out');
    expect(payoutFailuresLeft).toBe(0);
    expect(await balance('professional_payable', input.professionalId)).toBe(90000n);
    const entries = await em().execute<Array<{ n: string }>>(
      `select count(*)::text as n from payments.journal_entries where tenant_id = ? and kind = 'payout' and idempotency_key = ?`,
      [tenantId, `${handle.workflowId}/payout`],
    );
    expect(entries[0]!.n).toBe('1');
    await record(handle, 'payout-retried');
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
    await record(handle, 'cancelled');
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
            args: [{ operatorId: 'op', refund: '0', payout: '100000', note: 'x' }],
          }),
        )
      ).type,
    ).toBe('INVALID_STATE_TRANSITION');
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
    await handle.executeUpdate(approve, { args: [{ clientId: input.clientId }] });
    expect(((await handle.result()) as EscrowStatus).state).toBe('paid_out');
  });
  // Last: these let the test server skip hours of timers while the deal is idle.
  it('payment timeout: the job is cancelled and both sides are told', async () => {
    // The provider leaves the payment pending (see the sandbox above) and no confirmation comes.
    const { input, handle } = await startDeal({ method: 'mercadopago', amount: '5000' });
    const final = (await handle.result()) as EscrowStatus; // time skips through the 30-minute window
    expect(final.state).toBe('cancelled');
    expect(final.paymentId).not.toBeNull();
    expect(jobStatuses(input.jobId)).toEqual(['cancelled']);
    const told = notified.filter(
      (n) => n.key.startsWith(handle.workflowId) && n.event === 'escrow.payment_expired',
    );
    expect(told.map((n) => n.userId).sort()).toEqual([input.clientId, input.professionalId].sort());
    await record(handle, 'payment-timeout');
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
    await record(handle, 'auto-approval');
  }, 60000);
});
