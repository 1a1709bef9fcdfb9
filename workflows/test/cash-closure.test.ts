/**
 * The nightly cash closure on the time-skipping test server: the real workflows (`cashClosure`,
 * `cashClosureTrigger`), POS's real closure activities on its schema (branch zone and closure
 * settings, the sales report, the stored report, PDF and CSV), payments' real activities on its
 * schema (drawers and sessions written with its own domain, its cash threshold), identity's real
 * activities (who holds `closures.read`, `closures.approve`, the owner), and a recording stand-in
 * for notifications (what was sent, attachments included; the real mail is services/pos/test/
 * closure.test.ts's). The reminder and escalation windows pass in skipped time.
 */
import { fileURLToPath } from 'node:url';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { DateTime } from 'luxon';
import { runMigrations, runWithContext, withEm, workflowWorkerOptions, type Orm } from '@faena/platform';
import {
  captureLogger,
  createTimeSkippingEnv,
  testDatabaseUrl,
  uniqueTaskQueue,
} from '@faena/platform/testing';
import { createActivities as paymentActivities } from '../../services/payments/src/activities.ts';
import {
  closeSession,
  createDrawer,
  openSession,
  setCashSettings,
} from '../../services/payments/src/domain/cash.ts';
import { createPaymentsOrm, createProviders } from '../../services/payments/src/wiring.ts';
import { posActivities } from '../../services/pos/src/activities.ts';
import { setClosureSettings } from '../../services/pos/src/closure/domain.ts';
import { CashClosure } from '../../services/pos/src/closure/entities.ts';
import { setBranchSettings } from '../../services/pos/src/domain/menu.ts';
import { createPosOrm } from '../../services/pos/src/wiring.ts';
import {
  CASH_CLOSURE_TRIGGER_WORKFLOW_TYPE,
  CASH_CLOSURE_WORKFLOW_TYPE,
  approveClosure,
  cashClosureStatusQuery,
  cashClosureTriggerId,
  cashClosureWorkflowId,
  type CashClosureTriggerWorkflow,
  type CashClosureWorkflow,
} from '../src/cash-closure/contract.ts';
import { TASK_QUEUES } from '../src/queues.ts';
import { identityFixture, type IdentityFixture } from './support/identity.ts';

const ZONE = 'America/Santiago';
let env: TestWorkflowEnvironment;
let pos: Orm;
let payments: Orm;
let identity: IdentityFixture;
let tenantId: string;
let workers: Worker[];
let running: Promise<unknown>;
const workflowQueue = uniqueTaskQueue('cash-closure');
interface Sent {
  key: string;
  event: string;
  userId?: string;
  variables: Record<string, unknown>;
  attachments: Array<{ filename: string; contentType: string; contentBase64: string }>;
}
const sent: Sent[] = [];

const inTenant = <T>(orm: Orm, fn: (em: EntityManager) => Promise<T>) =>
  runWithContext({ tenantId }, () => withEm(orm, (em) => fn(em as unknown as EntityManager)));

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  const url = await testDatabaseUrl();
  pos = await createPosOrm({ DATABASE_URL: url, DATABASE_POOL_MAX: 5 });
  await runMigrations(pos);
  payments = await createPaymentsOrm({ DATABASE_URL: url, DATABASE_POOL_MAX: 5 });
  await runMigrations(payments);
  identity = await identityFixture(url);
  tenantId = identity.tenantId;
  const { logger } = captureLogger();
  const connection = env.nativeConnection;
  workers = await Promise.all([
    Worker.create({
      connection,
      taskQueue: workflowQueue,
      ...workflowWorkerOptions({ workflowsPath: fileURLToPath(new URL('../src/index.ts', import.meta.url)) }),
    }),
    Worker.create({
      connection,
      taskQueue: TASK_QUEUES.pos,
      activities: posActivities({ orm: pos, logger }),
    }),
    Worker.create({
      connection,
      taskQueue: TASK_QUEUES.payments,
      activities: paymentActivities({
        orm: payments,
        logger,
        providers: createProviders({ MERCADOPAGO_BASE_URL: 'http://127.0.0.1:9' }),
        secretKey: 'cash-closure-test-secret-cash-closure-test',
        publicUrl: 'http://127.0.0.1:9',
      }),
    }),
    Worker.create({ connection, taskQueue: TASK_QUEUES.identity, activities: identity.activities(logger) }),
    Worker.create({
      connection,
      taskQueue: TASK_QUEUES.notifications,
      activities: {
        async notify(n: {
          key: string;
          event: string;
          recipient?: { userId?: string };
          variables: Record<string, unknown>;
          attachments?: Sent['attachments'];
        }) {
          sent.push({
            key: n.key,
            event: n.event,
            ...(n.recipient?.userId && { userId: n.recipient.userId }),
            variables: n.variables,
            attachments: n.attachments ?? [],
          });
          return { replayed: false, notifications: [], webhookDeliveries: 0 };
        },
      },
    }),
  ]);
  running = Promise.all(workers.map((w) => w.run()));
}, 120_000);

afterAll(async () => {
  workers?.forEach((w) => w.shutdown());
  await running;
  await pos?.close(true);
  await payments?.close(true);
  await identity?.close();
  await env?.teardown();
});

/** A branch with its zone, closure settings, a manager of it, a tenant-wide manager and a waiter. */
async function branch(threshold = 0n) {
  const branchId = await identity.branch();
  await inTenant(pos, async (em) => {
    await setBranchSettings(em, branchId, { timeZone: ZONE });
    await setClosureSettings(em, branchId, {
      closingTime: '23:00',
      remindAfterMinutes: 60,
      escalateAfterMinutes: 240,
    });
  });
  await inTenant(payments, (em) => setCashSettings(em, tenantId, threshold));
  const [manager, waiter] = await Promise.all([
    identity.staff('manager', branchId),
    identity.staff('waiter', branchId),
  ]);
  return { branchId, manager, waiter };
}

/** A session on a new drawer of the branch: float 10000, counted `counted` (cash), or left open. */
async function session(branchId: string, counted: string | null) {
  return inTenant(payments, async (em) => {
    const drawer = await createDrawer(
      em,
      tenantId,
      branchId,
      `Caja ${Math.random().toString(36).slice(2, 6)}`,
    );
    const s = await openSession(em, drawer, {
      openingFloat: 10_000n,
      currency: 'CLP',
      userId: identity.ownerId,
    });
    if (counted !== null)
      await closeSession(em, s.id, { counted: { cash: counted }, userId: identity.ownerId });
    return s.id;
  });
}

/** Today on the branch's clock (the time-skipping server starts at the real now). */
const today = () => DateTime.now().setZone(ZONE).toISODate()!;
const closure = (branchId: string, businessDate = today()) =>
  env.client.workflow.start<CashClosureWorkflow>(CASH_CLOSURE_WORKFLOW_TYPE, {
    taskQueue: workflowQueue,
    workflowId: cashClosureWorkflowId(tenantId, branchId, businessDate),
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    args: [{ tenantId, branchId, businessDate }],
  });
const row = (branchId: string, businessDate = today()) =>
  inTenant(pos, (em) => em.findOneOrFail(CashClosure, { branchId, businessDate }, { refresh: true }));
const sentFor = (branchId: string, businessDate = today()) =>
  sent.filter((s) => s.key.startsWith(cashClosureWorkflowId(tenantId, branchId, businessDate)));

describe('cash closure', () => {
  it('closes a day within the threshold, mails the report with its PDF and CSV to the branch readers once, and refuses a second run', async () => {
    const { branchId, manager, waiter } = await branch(100n);
    await session(branchId, '10050'); // 50 over: within 100
    const handle = await closure(branchId);
    const done = await handle.result();
    expect(done).toMatchObject({ state: 'closed', needsApproval: false, sessionsNeedingCount: 0 });
    const stored = await row(branchId);
    expect(stored.state).toBe('closed');
    const report = stored.report as { differences: { absolute: string }; sales: { currency: string } };
    expect(report.differences.absolute).toBe('50');
    expect(report.sales.currency).toBe('CLP');
    const mails = sentFor(branchId);
    // The branch's manager and the owner (tenant-wide) hold closures.read; the waiter does not.
    expect(mails.map((m) => m.userId).sort()).toEqual([manager.id, identity.ownerId].sort());
    expect(mails.map((m) => m.userId)).not.toContain(waiter.id);
    expect(mails[0]!.event).toBe('cash.daily_report');
    expect(mails[0]!.variables).toMatchObject({
      businessDate: today(),
      cashDifference: { amount: '50', currency: 'CLP' },
    });
    const files = mails[0]!.attachments;
    expect(files.map((f) => f.contentType)).toEqual([
      'application/pdf',
      ...Array(4).fill('text/csv; charset=utf-8'),
    ]);
    expect(Buffer.from(files[0]!.contentBase64, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    const sessionsCsv = Buffer.from(
      files.find((f) => f.filename.endsWith('-sessions.csv'))!.contentBase64,
      'base64',
    ).toString();
    expect(sessionsCsv).toContain('session_id,drawer_id,status');
    expect(sessionsCsv).toMatch(/,closed,.*,cash,10000,10050,50,CLP/);
    // Running twice for one date does nothing twice: the id is refused.
    await expect(closure(branchId)).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    expect(sentFor(branchId)).toHaveLength(2);
  });

  it('waits for approval above the threshold: reminder to approvers, escalation to the owner, then the Update approves it once', async () => {
    const { branchId, manager } = await branch(0n);
    await session(branchId, '9000'); // 1000 short
    await session(branchId, null); // left open: flagged
    const handle = await closure(branchId);
    await env.sleep('1 minute');
    expect(await handle.query(cashClosureStatusQuery)).toMatchObject({
      state: 'awaiting_approval',
      needsApproval: true,
      sessionsNeedingCount: 1,
      reminded: false,
    });
    expect((await row(branchId)).state).toBe('awaiting_approval');
    const report = (await row(branchId)).report as {
      sessions: Array<{ needsCount: boolean; status: string }>;
    };
    expect(report.sessions.map((s) => [s.status, s.needsCount])).toEqual([
      ['pending_approval', false],
      ['open', true],
    ]);
    await env.sleep('61 minutes');
    expect(await handle.query(cashClosureStatusQuery)).toMatchObject({ reminded: true, escalated: false });
    const reminders = sentFor(branchId).filter((m) => m.event === 'cash.closure_approval_reminder');
    expect(reminders.map((m) => m.userId).sort()).toEqual([manager.id, identity.ownerId].sort());
    await env.sleep('3 hours');
    const escalated = sentFor(branchId).filter((m) => m.event === 'cash.closure_approval_escalated');
    expect(escalated.map((m) => m.userId)).toEqual([identity.ownerId]);
    expect(await handle.query(cashClosureStatusQuery)).toMatchObject({
      state: 'awaiting_approval',
      escalated: true,
    });
    // Still waiting, whatever time passes, until someone approves.
    await env.sleep('2 days');
    expect((await handle.query(cashClosureStatusQuery)).state).toBe('awaiting_approval');
    await expect(
      handle.executeUpdate(approveClosure, { args: [{ userId: manager.id, note: '  ' }] }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    const approved = await handle.executeUpdate(approveClosure, {
      args: [{ userId: manager.id, note: 'Vuelto mal dado, conversado con la cajera' }],
    });
    expect(approved).toMatchObject({ state: 'approved', approvedBy: manager.id });
    expect(await handle.result()).toMatchObject({ state: 'approved' });
    // Approved and done: a second approval finds no process waiting (the API answers 409).
    await expect(
      handle.executeUpdate(approveClosure, { args: [{ userId: manager.id, note: 'otra vez' }] }),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
    const stored = await row(branchId);
    expect(stored).toMatchObject({
      state: 'approved',
      approvedBy: manager.id,
      approvalNote: 'Vuelto mal dado, conversado con la cajera',
    });
    // Each person told once per step.
    expect(sentFor(branchId).filter((m) => m.event === 'cash.daily_report')).toHaveLength(2);
    expect(sentFor(branchId).filter((m) => m.event === 'cash.closure_approval_escalated')).toHaveLength(1);
  });

  it('a firing closes the dates missed since the last closure, once each; firing again closes nothing twice', async () => {
    const { branchId } = await branch(1_000_000n);
    const day = (n: number) => DateTime.now().setZone(ZONE).minus({ days: n }).toISODate()!;
    await (await closure(branchId, day(4))).result();
    // Fired just after today's closing time: 3, 2 and 1 days ago were missed, today is due.
    const at = DateTime.now()
      .setZone(ZONE)
      .set({ hour: 23, minute: 0, second: 5, millisecond: 0 })
      .toUTC()
      .toISO()!;
    const fire = () =>
      env.client.workflow.execute<CashClosureTriggerWorkflow>(CASH_CLOSURE_TRIGGER_WORKFLOW_TYPE, {
        taskQueue: workflowQueue,
        workflowId: `${cashClosureTriggerId(tenantId, branchId)}-${Math.random().toString(36).slice(2)}`,
        args: [{ tenantId, branchId, at }],
      });
    const first = await fire();
    expect(first).toEqual({ started: [day(3), day(2), day(1), day(0)], alreadyClosed: [] });
    const second = await fire();
    expect(second.started).toEqual([]);
    for (const d of [day(3), day(2), day(1), day(0)])
      expect(
        await env.client.workflow.getHandle(cashClosureWorkflowId(tenantId, branchId, d)).result(),
      ).toMatchObject({
        state: 'closed',
      });
    const rows = await inTenant(pos, (em) =>
      em.find(CashClosure, { branchId }, { orderBy: { businessDate: 'asc' } }),
    );
    expect(rows.map((r) => r.businessDate)).toEqual([day(4), day(3), day(2), day(1), day(0)]);
  });

  it('a branch without closure settings ends not_configured, a named state, not a failed workflow', async () => {
    const branchId = await identity.branch();
    expect(await (await closure(branchId)).result()).toMatchObject({
      state: 'not_configured',
      closureId: null,
    });
  });
});
