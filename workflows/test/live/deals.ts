/**
 * Escrow deals on the real Temporal dev server, run by workers configured exactly as production
 * (`createWorker`: OpenTelemetry plugin, our interceptors), with the real payments activities on a
 * real ledger and the MercadoPago sandbox; marketplace, notifications and identity are recording
 * stand-ins (their suites and tests/e2e run them for real). Every path and race a deal can take is
 * a scenario here: `live-replay.test.ts` drives them all and replays what the server wrote, and
 * `scripts/record-histories.ts` saves their histories for `replay.test.ts`.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Client, Connection, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { uuidv7 } from 'uuidv7';
import {
  createLogger,
  createWorker,
  runMigrations,
  runWithContext,
  withEm,
  type Logger,
  type Orm,
} from '@faena/platform';
import {
  eventually as eventuallyWithin,
  registerTestNamespace,
  testDatabaseUrl,
  testStack,
} from '@faena/platform/testing';
import { saveCredentials } from '../../../services/payments/src/domain/providers.ts';
import { syncProviderPaymentLater } from '../../../services/payments/src/payment-sync.ts';
import { startSandbox, type Sandbox } from '../../../services/payments/src/sandbox/server.ts';
import { createPaymentsOrm } from '../../../services/payments/src/wiring.ts';
import {
  SECRET,
  dealInput,
  fundWallet,
  identityStandIn,
  notificationsStandIn,
  paymentsWithFailures,
} from '../support/stand-ins.ts';
import {
  approve,
  cancel,
  dispute,
  ESCROW_TASK_QUEUE,
  ESCROW_WORKFLOW_TYPE,
  type EscrowInput,
  type EscrowState,
  type EscrowStatus,
  type EscrowWorkflow,
  escrowWorkflowId,
  markCompleted,
  resolveDispute,
  retry,
  statusQuery,
} from '../../src/escrow/contract.ts';

/** Deals run side by side on a loaded CI machine: give each step room (the bound, not a sleep). */
const eventually = <T>(check: () => Promise<T>, withinMs = 30000) => eventuallyWithin(check, withinMs, 100);

export const OPERATOR = { id: '0190a000-0000-7000-8000-00000000000a', name: 'Olga Operadora' };

export interface LiveStack {
  client: Client;
  namespace: string;
  tenantId: string;
  sandbox: Sandbox;
  /** The next refund of this deal is refused as a provider refusing our credentials would. */
  failNextRefund(workflowId: string): void;
  start(
    over?: Partial<EscrowInput>,
    opts?: { fund?: boolean },
  ): Promise<{ input: EscrowInput; handle: WorkflowHandle }>;
  /** The provider approves a pending payment; its notification runs paymentSync, which tells the deal. */
  approveLate(handle: WorkflowHandle, paymentId: string): Promise<void>;
  /** The paymentSync runs approveLate started (their histories are replayed too). */
  syncRuns: WorkflowHandle[];
  close(): Promise<void>;
}

/**
 * Starts the workers on `namespace` of the dev server (created if needed). `workflowsPath` lets the
 * recorder run an older workflow version (fixtures/v1-index.ts) the same way.
 */
export async function startLiveStack(opts: {
  namespace: string;
  workflowsPath: string;
  logger?: Logger;
}): Promise<LiveStack> {
  const logger = opts.logger ?? createLogger({ service: 'live-deals', level: 'warn' });
  const clientConnection = await Connection.connect({ address: testStack.temporalAddress });
  await registerTestNamespace(clientConnection, opts.namespace);
  const client = new Client({ connection: clientConnection, namespace: opts.namespace });
  const config = { TEMPORAL_ADDRESS: testStack.temporalAddress, TEMPORAL_NAMESPACE: opts.namespace };

  const tenantId = uuidv7();
  const orm: Orm = await createPaymentsOrm({ DATABASE_URL: await testDatabaseUrl(), DATABASE_POOL_MAX: 5 });
  await runMigrations(orm);
  const sandbox = await startSandbox({ defaultOutcome: 'pending' });
  const account = (await (await fetch(`${sandbox.url}/sandbox/accounts`, { method: 'POST' })).json()) as {
    accessToken: string;
    webhookSecret: string;
  };
  await runWithContext({ tenantId }, () =>
    withEm(orm, (e) =>
      saveCredentials(e as unknown as EntityManager, SECRET, tenantId, 'mercadopago', account),
    ),
  );
  const failing = paymentsWithFailures({ orm, logger, sandboxUrl: sandbox.url });
  const identity = identityStandIn({ tenantId, operator: OPERATOR, nameOf: (id) => `User ${id.slice(-4)}` });
  const created = await Promise.all([
    createWorker({ config, logger, taskQueue: 'workflows', workflowsPath: opts.workflowsPath }),
    createWorker({ config, logger, taskQueue: 'payments', activities: failing.activities }),
    createWorker({ config, logger, taskQueue: 'marketplace', activities: { async recordJobEvent() {} } }),
    createWorker({ config, logger, taskQueue: 'notifications', activities: notificationsStandIn() }),

    createWorker({ config, logger, taskQueue: 'identity', activities: identity }),
  ]);
  const workers: Worker[] = created.map((c) => c.worker);
  const running = Promise.all(workers.map((w) => w.run()));
  const syncRuns: WorkflowHandle[] = [];

  const fund = (userId: string, amount: bigint) => fundWallet(orm, tenantId, userId, amount);

  return {
    client,
    namespace: opts.namespace,
    tenantId,
    sandbox,
    failNextRefund: (workflowId) => failing.refundAuthFailure((key) => key.startsWith(`${workflowId}/`)),
    async start(over = {}, o = {}) {
      const input = dealInput(tenantId, over);
      if (input.method === 'wallet' && o.fund !== false) await fund(input.clientId, BigInt(input.amount));
      const handle = await client.workflow.start<EscrowWorkflow>(ESCROW_WORKFLOW_TYPE, {
        taskQueue: ESCROW_TASK_QUEUE,
        workflowId: escrowWorkflowId(tenantId, input.offerId),
        args: [input],
      });
      return { input, handle };
    },
    async approveLate(_handle, paymentId) {
      const [row] = await withEm(orm, (e) =>
        (e as unknown as EntityManager).execute<Array<{ pid: string }>>(
          `select provider_payment_id as pid from payments.payments where id = ?`,
          [paymentId],
        ),
      );
      await fetch(`${sandbox.url}/sandbox/payments/${row!.pid}/approve?silent=1`, { method: 'POST' });
      // What the webhook route does with the provider's notification: paymentSync reads the
      // provider, applies it and tells the deal.
      const sync = await syncProviderPaymentLater(client, {
        tenantId,
        provider: 'mercadopago',
        providerPaymentId: row!.pid,
      });
      syncRuns.push(sync);
      await sync.result();
    },
    syncRuns,
    async close() {
      workers.forEach((w) => w.shutdown());
      await running;
      await Promise.all(created.map((c) => c.connection.close()));
      await clientConnection.close();
      await orm.close(true);
      await sandbox.close();
    },
  };
}

// ---- driving helpers ------------------------------------------------------------------------------

export const stateOf = async (h: WorkflowHandle): Promise<EscrowState> => (await h.query(statusQuery)).state;
export const until = (h: WorkflowHandle, state: EscrowState, withinMs = 30000) =>
  eventually(async () => {
    const s = await h.query(statusQuery);
    if (s.state !== state) throw new Error(`deal is ${s.state}, waiting for ${state}`);
    return s;
  }, withinMs);
const refused = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the Update to be refused');
    },
    (err: unknown) => {
      if (!(err instanceof WorkflowUpdateFailedError)) throw err;
    },
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Scenario {
  name: string;
  /** Drives one deal; answers its handle and the state it must end in. */
  run(s: LiveStack): Promise<{ handle: WorkflowHandle; expect: Partial<EscrowStatus> }>;
}

/** Every path of a deal, and the races the dev server orders differently from the time-skipping one. */
export const SCENARIOS: Scenario[] = [
  {
    name: 'happy-path',
    async run(s) {
      const { input, handle } = await s.start();
      await until(handle, 'in_progress');
      await handle.executeUpdate(markCompleted, {
        args: [{ professionalId: input.professionalId, note: 'done' }],
      });
      // The approval arrives while the 72 h approval timer runs: Update and timer cancel share a task.
      await handle.executeUpdate(approve, { args: [{ clientId: input.clientId }] });
      return { handle, expect: { state: 'paid_out', paidOut: '90000', commission: '10000' } };
    },
  },
  {
    name: 'refused-update-first',
    async run(s) {
      // An Update refused by its validator before any accepted one (the SDK flag bug's trigger).
      const { input, handle } = await s.start();
      await until(handle, 'in_progress');
      await refused(handle.executeUpdate(approve, { args: [{ clientId: input.clientId }] }));
      await handle.executeUpdate(markCompleted, { args: [{ professionalId: input.professionalId }] });
      await handle.executeUpdate(approve, { args: [{ clientId: input.clientId }] });
      return { handle, expect: { state: 'paid_out' } };
    },
  },
  {
    name: 'dispute-resolved',
    async run(s) {
      const { input, handle } = await s.start();
      await until(handle, 'in_progress');
      await handle.executeUpdate(markCompleted, { args: [{ professionalId: input.professionalId }] });
      await handle.executeUpdate(dispute, {
        args: [{ clientId: input.clientId, reason: 'half done', evidence: [] }],
      });
      await refused(
        handle.executeUpdate(resolveDispute, {
          args: [{ operatorId: uuidv7(), refund: '70000', payout: '30000', note: 'not an operator' }],
        }),
      );
      await handle.executeUpdate(resolveDispute, {
        args: [{ operatorId: OPERATOR.id, refund: '70000', payout: '30000', note: '70/30 after review' }],
      });
      return {
        handle,
        expect: { state: 'resolved', refunded: '70000', paidOut: '27000', commission: '3000' },
      };
    },
  },
  {
    name: 'auto-approval',
    async run(s) {
      const { input, handle } = await s.start({ approvalWindowMs: 1500 });
      await until(handle, 'in_progress');
      await handle.executeUpdate(markCompleted, { args: [{ professionalId: input.professionalId }] });
      return { handle, expect: { state: 'paid_out', paidOut: '90000' } };
    },
  },
  {
    name: 'cancelled-in-progress',
    async run(s) {
      const { input, handle } = await s.start();
      await until(handle, 'in_progress');
      await handle.executeUpdate(cancel, {
        args: [{ by: 'client', actorId: input.clientId, reason: 'moved away' }],
      });
      return { handle, expect: { state: 'cancelled', refunded: '100000' } };
    },
  },
  {
    name: 'cancelled-while-payment-window-runs',
    async run(s) {
      const { input, handle } = await s.start({ method: 'mercadopago', lateMoneyWindowMs: 1000 });
      await eventually(async () => {
        if (!(await handle.query(statusQuery)).paymentDeadline) throw new Error('no payment yet');
      });
      await handle.executeUpdate(cancel, {
        args: [{ by: 'professional', actorId: input.professionalId, reason: 'cannot make it' }],
      });
      return { handle, expect: { state: 'cancelled', refunded: '0' } };
    },
  },
  {
    name: 'payment-window-ended',
    async run(s) {
      const { handle } = await s.start({
        method: 'mercadopago',
        paymentWindowMs: 1200,
        lateMoneyWindowMs: 1200,
      });
      return {
        handle,
        expect: {
          state: 'payment_failed',
          paymentFailure: {
            code: 'PAYMENT_WINDOW_ENDED',
            reason: 'the payment window ended without payment',
          },
        },
      };
    },
  },
  {
    name: 'late-payment-refunded',
    async run(s) {
      const { handle } = await s.start({ method: 'mercadopago', amount: '5000', paymentWindowMs: 1000 });
      const failed = await until(handle, 'payment_failed');
      await s.approveLate(handle, failed.paymentId!);
      return { handle, expect: { state: 'payment_failed', refunded: '5000' } };
    },
  },
  {
    name: 'insufficient-wallet',
    async run(s) {
      const { handle } = await s.start({ method: 'wallet' }, { fund: false });
      return {
        handle,
        expect: {
          state: 'payment_failed',
          paymentFailure: { code: 'INSUFFICIENT_BALANCE', reason: 'the wallet does not hold enough' },
        },
      };
    },
  },
  {
    name: 'webhook-races-payment-timer',
    async run(s) {
      // The provider's approval reaches the deal as its payment window closes.
      const { input, handle } = await s.start({
        method: 'mercadopago',
        amount: '7000',
        paymentWindowMs: 1500,
      });
      const pending = await eventually(async () => {
        const st = await handle.query(statusQuery);
        if (!st.paymentId) throw new Error('no payment yet');
        return st;
      });
      const left = new Date(pending.paymentDeadline!).getTime() - Date.now();
      await sleep(Math.max(0, left - 40));
      await s.approveLate(handle, pending.paymentId!);
      const st = await eventually(async () => {
        const x = await handle.query(statusQuery);
        if (x.state === 'awaiting_payment') throw new Error('still waiting');
        return x;
      });
      if (st.state === 'in_progress') {
        await handle.executeUpdate(cancel, {
          args: [{ by: 'client', actorId: input.clientId, reason: 'race won by the payment' }],
        });
        return { handle, expect: { state: 'cancelled', refunded: '7000' } };
      }
      return { handle, expect: { state: 'payment_failed', refunded: '7000' } };
    },
  },
  {
    name: 'two-updates-one-task',
    async run(s) {
      // The professional completes while the client cancels: both Updates reach the same task.
      const { input, handle } = await s.start();
      await until(handle, 'in_progress');
      const results = await Promise.allSettled([
        handle.executeUpdate(markCompleted, { args: [{ professionalId: input.professionalId }] }),
        handle.executeUpdate(cancel, {
          args: [{ by: 'client', actorId: input.clientId, reason: 'at the same time' }],
        }),
      ]);
      if (results[0].status === 'fulfilled' && (await stateOf(handle)) === 'completed_by_professional') {
        await handle.executeUpdate(approve, { args: [{ clientId: input.clientId }] });
        return { handle, expect: { state: 'paid_out' } };
      }
      return { handle, expect: { state: 'cancelled', refunded: '100000' } };
    },
  },
  {
    name: 'refund-blocked-then-retried',
    async run(s) {
      const { input, handle } = await s.start();
      await until(handle, 'in_progress');
      s.failNextRefund(handle.workflowId);
      await handle.executeUpdate(cancel, {
        args: [{ by: 'client', actorId: input.clientId, reason: 'provider outage' }],
      });
      await until(handle, 'refund_blocked');
      await refused(handle.executeUpdate(retry, { args: [{ operatorId: uuidv7() }] }));
      await handle.executeUpdate(retry, { args: [{ operatorId: OPERATOR.id, note: 'credentials fixed' }] });
      return { handle, expect: { state: 'cancelled', refunded: '100000', blocked: null } };
    },
  },
];

/**
 * The paths the first version (v1.ts) had, as its deployments drove them: it knew no operator
 * check, no `retry`, no `payment_failed`.
 */
export const V1_SCENARIOS: Scenario[] = [
  ...SCENARIOS.filter((s) =>
    [
      'happy-path',
      'refused-update-first',
      'auto-approval',
      'cancelled-in-progress',
      'two-updates-one-task',
    ].includes(s.name),
  ),
  {
    name: 'dispute-resolved',
    async run(s) {
      const { input, handle } = await s.start();
      await until(handle, 'in_progress');
      await handle.executeUpdate(markCompleted, { args: [{ professionalId: input.professionalId }] });
      await handle.executeUpdate(dispute, {
        args: [{ clientId: input.clientId, reason: 'half done', evidence: [] }],
      });
      await handle.executeUpdate(resolveDispute, {
        args: [{ operatorId: OPERATOR.id, refund: '70000', payout: '30000', note: '70/30 after review' }],
      });
      return { handle, expect: { state: 'resolved', refunded: '70000' } };
    },
  },
];

export interface ScenarioRun {
  name: string;
  handle: WorkflowHandle;
  expect: Partial<EscrowStatus>;
  final: EscrowStatus;
  queried: EscrowStatus;
}

/** Drives one scenario to its end and queries the closed deal (the worker replays its whole history). */
async function runOne(s: LiveStack, sc: Scenario): Promise<ScenarioRun> {
  const t0 = Date.now();
  const { handle, expect } = await sc.run(s);
  const final = (await handle.result()) as EscrowStatus;
  if (process.env.LIVE_DEBUG) process.stderr.write(`${sc.name}: ${Date.now() - t0} ms → ${final.state}\n`);
  return { name: sc.name, handle, expect, final, queried: await handle.query(statusQuery) };
}

/** Drives every scenario at once; every deal runs to its end even when one fails (nothing keeps calling closed connections). */
export async function runScenarios(
  s: LiveStack,
  scenarios: readonly Scenario[] = SCENARIOS,
): Promise<ScenarioRun[]> {
  const settled = await Promise.allSettled(scenarios.map((sc) => runOne(s, sc)));
  const failed = settled.flatMap((r, i) =>
    r.status === 'rejected' ? [`${scenarios[i]!.name}: ${String(r.reason)}`] : [],
  );
  if (failed.length) throw new Error(`scenarios failed:\n${failed.join('\n')}`);
  return settled.map((r) => (r as PromiseFulfilledResult<ScenarioRun>).value);
}
