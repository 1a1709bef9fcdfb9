/**
 * Renewals on the real Temporal dev server, run by workers configured exactly as production
 * (`createWorker`), with the real payments activities on a real ledger and the gym's real seller
 * activities on its schema; notifications are a recording stand-in. The dev server's timers are
 * real time, so each scenario's dates put its moments in the past (a renewal date of today charges
 * at once; dunning days already gone are tried one after another). `renewal-live.test.ts` drives
 * them and replays what the server wrote; `scripts/record-renewal-histories.ts` saves the
 * histories under src/renewal/histories/ for `replay.test.ts`.
 */
import {
  Client,
  Connection,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { uuidv7 } from 'uuidv7';
import { createLogger, createWorker, runMigrations, type Orm } from '@faena/platform';
import { eventually, registerTestNamespace, testDatabaseUrl, testStack } from '@faena/platform/testing';
import { renewalActivities } from '../../../services/gym/src/renewal-activities.ts';
import { startSandbox, type Sandbox } from '../../../services/payments/src/sandbox/server.ts';
import { createPaymentsOrm } from '../../../services/payments/src/wiring.ts';
import { addDays, dayIn, prorate } from '../../src/renewal/calendar.ts';
import {
  GYM_TASK_QUEUE,
  RENEWAL_TASK_QUEUE,
  RENEWAL_WORKFLOW_TYPE,
  cancelAtPeriodEnd,
  changePlan,
  pauseRenewal,
  renewalStatusQuery,
  renewalWorkflowId,
  resumeRenewal,
  retryRefund,
  type RenewalStatus,
  type RenewalWorkflow,
} from '../../src/renewal/contract.ts';
import { Membership } from '../../../services/gym/src/domain/entities.ts';
import {
  gymTestOrm,
  inGym,
  pricedPlan,
  renewingMembership,
  type RenewalFixtures,
} from '../support/renewal.ts';
import { identityStandIn, notificationsStandIn, paymentsWithFailures } from '../support/stand-ins.ts';

export interface RenewalStack extends RenewalFixtures {
  client: Client;
  /** The user identity confirms as holding the renewal's operator permission. */
  operator: { id: string; name: string };
  /** The next refund whose key `match`es fails like a provider refusing our credentials. */
  failRefund(match: (key: string) => boolean): void;
  close(): Promise<void>;
}

export async function startRenewalStack(opts: {
  namespace: string;
  workflowsPath: string;
}): Promise<RenewalStack> {
  const logger = createLogger({ service: 'live-renewals', level: 'warn' });
  const connection = await Connection.connect({ address: testStack.temporalAddress });
  await registerTestNamespace(connection, opts.namespace);
  const client = new Client({ connection, namespace: opts.namespace });
  const config = { TEMPORAL_ADDRESS: testStack.temporalAddress, TEMPORAL_NAMESPACE: opts.namespace };
  const url = await testDatabaseUrl();
  const paymentsOrm: Orm = await createPaymentsOrm({ DATABASE_URL: url, DATABASE_POOL_MAX: 5 });
  await runMigrations(paymentsOrm);
  const gymOrm = await gymTestOrm(url);
  const sandbox: Sandbox = await startSandbox({});
  const payments = paymentsWithFailures({ orm: paymentsOrm, logger, sandboxUrl: sandbox.url });
  const tenantId = uuidv7();
  const operator = { id: uuidv7(), name: 'Olga Operadora' };
  const created = await Promise.all([
    createWorker({ config, logger, taskQueue: RENEWAL_TASK_QUEUE, workflowsPath: opts.workflowsPath }),
    createWorker({ config, logger, taskQueue: 'payments', activities: payments.activities }),
    createWorker({
      config,
      logger,
      taskQueue: 'identity',
      activities: identityStandIn({ tenantId, operator, nameOf: () => 'Marta Socia' }),
    }),
    createWorker({
      config,
      logger,
      taskQueue: GYM_TASK_QUEUE,
      activities: renewalActivities({ orm: gymOrm, logger }),
    }),
    createWorker({ config, logger, taskQueue: 'notifications', activities: notificationsStandIn() }),
  ]);
  const workers: Worker[] = created.map((c) => c.worker);
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    client,
    gymOrm,
    paymentsOrm,
    tenantId,
    branchId: uuidv7(),
    operator,
    failRefund: payments.refundAuthFailure,
    async close() {
      workers.forEach((w) => w.shutdown());
      await running;
      await Promise.all(created.map((c) => c.connection.close()));
      await connection.close();
      await gymOrm.close(true);
      await paymentsOrm.close(true);
      await sandbox.close();
    },
  };
}

export interface RenewalRun {
  name: string;
  /** The run whose history is kept: the first of the chain (a renewed one continued as new). */
  handle: WorkflowHandle<RenewalWorkflow>;
  final: Partial<RenewalStatus>;
  expect: Partial<RenewalStatus>;
}

export interface RenewalScenario {
  name: string;
  run(s: RenewalStack): Promise<RenewalRun>;
}

const today = () => dayIn(Date.now(), 'UTC');
const start = async (s: RenewalStack, input: Parameters<RenewalWorkflow>[0]) =>
  s.client.workflow.start<RenewalWorkflow>(RENEWAL_WORKFLOW_TYPE, {
    taskQueue: RENEWAL_TASK_QUEUE,
    workflowId: renewalWorkflowId(s.tenantId, input.subscriptionId),
    args: [input],
    searchAttributes: {
      TenantId: [s.tenantId],
      BusinessKey: [input.subscriptionId],
      ProcessStatus: ['active'],
    },
  });
/** The first run's handle, pinned to its run id (a continued chain's later runs are other histories). */
const pinned = (s: RenewalStack, h: WorkflowHandleWithFirstExecutionRunId<RenewalWorkflow>) =>
  s.client.workflow.getHandle<RenewalWorkflow>(h.workflowId, h.firstExecutionRunId);
const closed = async (h: WorkflowHandle<RenewalWorkflow>) =>
  eventually(
    async () => {
      const d = await h.describe();
      if (d.status.name === 'RUNNING') throw new Error(`${h.workflowId} still running`);
      return d.status.name;
    },
    30_000,
    100,
  );
const refused = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the Update to be refused');
    },
    (err: unknown) => {
      if (!(err instanceof WorkflowUpdateFailedError)) throw err;
    },
  );

export const RENEWAL_SCENARIOS: RenewalScenario[] = [
  {
    // The renewal date is today: charged at once, extended, continued as new for cycle 2.
    name: 'renewed',
    async run(s) {
      const m = await renewingMembership(s, today(), { daysLeft: 0, wallet: 1_500_000n });
      const h = await start(s, m.input);
      const first = pinned(s, h);
      await closed(first); // CONTINUED_AS_NEW
      const next = await s.client.workflow.getHandle<RenewalWorkflow>(h.workflowId).query(renewalStatusQuery);
      await s.client.workflow.getHandle(h.workflowId).terminate('scenario over');
      return { name: 'renewed', handle: first, final: next, expect: { state: 'active', cycle: 2 } };
    },
  },
  {
    // Every dunning day already passed with an empty wallet: three declines, then expired.
    name: 'expired-after-dunning',
    async run(s) {
      const m = await renewingMembership(s, today(), { daysLeft: -4 });
      const h = await start(s, m.input);
      const final = await h.result();
      return { name: 'expired-after-dunning', handle: h, final, expect: { state: 'expired', attempts: 3 } };
    },
  },
  {
    // Cancelled at period end before its date; the date is today: it ends, nothing charged.
    name: 'cancelled-at-period-end',
    async run(s) {
      const m = await renewingMembership(s, today(), { daysLeft: 0, wallet: 1_000_000n });
      const h = await start(s, { ...m.input, cancelAtPeriodEnd: true });
      const final = await h.result();
      return { name: 'cancelled-at-period-end', handle: h, final, expect: { state: 'cancelled' } };
    },
  },
  {
    // Every Update while the renewal waits: a pause and its resume, a refused pause, a pro-rated
    // plan change (a stale preview refused first), cancel at period end and its taking back.
    name: 'updates-while-waiting',
    async run(s) {
      const m = await renewingMembership(s, today(), { daysLeft: 20, wallet: 3_000_000n });
      const premium = await pricedPlan(s, 'Mensual premium', 1_600_000n);
      const h = await start(s, m.input);
      await h.executeUpdate(pauseRenewal, {
        args: [{ startsOn: addDays(today(), 2), days: 5, actorId: m.userId }],
      });
      await refused(
        h.executeUpdate(pauseRenewal, { args: [{ startsOn: today(), days: 90, actorId: m.userId }] }),
      );
      await h.executeUpdate(resumeRenewal, { args: [{ actorId: m.userId }] });
      const item = { planId: premium.id, planName: premium.name, amount: '1600000', currency: 'ARS' };
      await refused(
        h.executeUpdate(changePlan, {
          args: [{ actorId: m.userId, plan: item, expectedCharge: '1', expectedCredit: '0' }],
        }),
      );
      const before = await h.query(renewalStatusQuery);
      const quote = prorate(m.input.item, item, before, today());
      await h.executeUpdate(changePlan, {
        args: [{ actorId: m.userId, plan: item, expectedCharge: quote.charge, expectedCredit: quote.credit }],
      });
      await h.executeUpdate(cancelAtPeriodEnd, { args: [{ actorId: m.userId, cancel: true }] });
      await h.executeUpdate(cancelAtPeriodEnd, { args: [{ actorId: m.userId, cancel: false }] });
      const final = await h.query(renewalStatusQuery);
      await h.terminate('scenario over');
      return {
        name: 'updates-while-waiting',
        handle: h,
        final,
        expect: { state: 'active', cancelAtPeriodEnd: false, plan: { id: premium.id, name: premium.name } },
      };
    },
  },

  {
    // Charged today, but another membership already covers the next period and the refund fails:
    // the renewal waits in refund_pending until the operator's retryRefund refunds it.
    name: 'refund-pending-then-retried',
    async run(s) {
      const m = await renewingMembership(s, today(), { daysLeft: 0, wallet: 1_000_000n });
      await inGym(s, async (em) => {
        em.create(Membership, {
          memberId: m.membership.memberId,
          planId: m.plan.id,
          branchId: s.branchId,
          status: 'active',
          startsOn: m.membership.endsOn,
          endsOn: addDays(m.membership.endsOn, 30),
          amount: 1_000_000n,
          currency: 'ARS',
          paymentMethod: 'wallet',
          purchaseKey: uuidv7(),
        } as never);
        await em.flush();
      });
      s.failRefund((k) => k === `renewal:${m.membership.id}:1:refund`);
      const h = await start(s, m.input);
      await eventually(
        async () => {
          const st = await h.query(renewalStatusQuery);
          if (st.state !== 'refund_pending') throw new Error(`still ${st.state}`);
        },
        30_000,
        100,
      );
      await refused(h.executeUpdate(retryRefund, { args: [{ operatorId: uuidv7() }] }));
      await h.executeUpdate(retryRefund, {
        args: [{ operatorId: s.operator.id, note: 'credentials fixed' }],
      });
      const final = await h.result();
      return {
        name: 'refund-pending-then-retried',
        handle: h,
        final,
        // Partial all the way down (toMatchObject): the refund took two tries.
        expect: { state: 'cancelled', refund: { attempts: 2 } as RenewalStatus['refund'] },
      };
    },
  },
];

export async function runRenewalScenarios(
  s: RenewalStack,
  scenarios = RENEWAL_SCENARIOS,
): Promise<RenewalRun[]> {
  return Promise.all(scenarios.map((sc) => sc.run(s)));
}
