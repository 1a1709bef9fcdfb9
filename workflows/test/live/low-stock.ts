/**
 * Low-stock alerts on the real Temporal dev server, run by workers configured exactly as production
 * (`createWorker`), with identity's real activities on its schema (a business signed up with its
 * system roles; staff holding them per branch) and a recording stand-in for notifications (one
 * mailbox made to fail). `low-stock-live.test.ts` drives them and replays what the server wrote;
 * `scripts/record-low-stock-histories.ts` saves them under src/stock/histories/.
 */
import { ApplicationFailure } from '@temporalio/common';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { uuidv7 } from 'uuidv7';
import { createLogger, createWorker } from '@faena/platform';
import { registerTestNamespace, testDatabaseUrl, testStack } from '@faena/platform/testing';
import {
  LOW_STOCK_TASK_QUEUE,
  LOW_STOCK_WORKFLOW_TYPE,
  gymLowStockNotice,
  lowStockWorkflowId,
  type LowStockInput,
  type LowStockStatus,
  type LowStockWorkflow,
} from '../../src/stock/contract.ts';
import { TASK_QUEUES } from '../../src/queues.ts';
import { identityFixture, type IdentityFixture } from '../support/identity.ts';
import { notificationsStandIn } from '../support/stand-ins.ts';

type Person = { id: string; email: string };

export interface LowStockStack {
  client: Client;
  identity: IdentityFixture;
  /** A branch with a manager, a receptionist and a manager whose mailbox is broken; another branch with its own manager. */
  branch: string;
  people: { manager: Person; desk: Person; admin: Person; elsewhere: Person; broken: Person };
  notified: Array<{ key: string; userId: string | undefined; email?: string }>;
  close(): Promise<void>;
}

export async function startLowStockStack(opts: {
  namespace: string;
  workflowsPath: string;
}): Promise<LowStockStack> {
  const logger = createLogger({ service: 'live-low-stock', level: 'warn' });
  const connection = await Connection.connect({ address: testStack.temporalAddress });
  await registerTestNamespace(connection, opts.namespace);
  const client = new Client({ connection, namespace: opts.namespace });
  const config = { TEMPORAL_ADDRESS: testStack.temporalAddress, TEMPORAL_NAMESPACE: opts.namespace };
  const identity = await identityFixture(await testDatabaseUrl());
  const [branch, other] = await Promise.all([identity.branch(), identity.branch()]);
  const [manager, desk, admin, elsewhere] = await Promise.all([
    identity.staff('manager', branch),
    identity.staff('receptionist', branch),
    identity.staff('admin', null),
    identity.staff('manager', other),
  ]);
  const notified: LowStockStack['notified'] = [];
  const created = await Promise.all([
    createWorker({ config, logger, taskQueue: LOW_STOCK_TASK_QUEUE, workflowsPath: opts.workflowsPath }),
    createWorker({
      config,
      logger,
      taskQueue: TASK_QUEUES.identity,
      activities: identity.activities(logger),
    }),
    createWorker({
      config,
      logger,
      taskQueue: TASK_QUEUES.notifications,
      activities: notificationsStandIn((n) => {
        if (n.email?.startsWith('broken-')) throw ApplicationFailure.nonRetryable('mailbox broken');
        notified.push(n);
      }),
    }),
  ]);
  // The broken mailbox belongs to a manager of the branch too (added after the workers: same database).
  const broken = await identity.staff('manager', branch);
  await identity.orm.em
    .fork()
    .getConnection()
    .execute(`update identity.users set email = ? where id = ?`, [`broken-${broken.email}`, broken.id]);
  const workers: Worker[] = created.map((c) => c.worker);
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    client,
    identity,
    branch,
    people: { manager, desk, admin, elsewhere, broken: { id: broken.id, email: `broken-${broken.email}` } },
    notified,
    async close() {
      workers.forEach((w) => w.shutdown());
      await running;
      await Promise.all(created.map((c) => c.connection.close()));
      await connection.close();
      await identity.close();
    },
  };
}

interface Scenario {
  name: string;
  /** The branch of the alert (the stack's, or one identity does not have). */
  branch(s: LowStockStack): string;
  expect: Partial<LowStockStatus>;
}

export const LOW_STOCK_SCENARIOS: Scenario[] = [
  {
    name: 'store-managers-told',
    branch: (s) => s.branch,
    // The branch's manager, the tenant-wide admin and the owner; the broken mailbox is counted failed.
    expect: { state: 'notified', told: 3, failed: 1, truncated: false },
  },
  {
    name: 'nobody-to-tell',
    branch: () => uuidv7(),
    expect: { state: 'nobody_to_tell', told: 0, failed: 0 },
  },
];

export interface LowStockRun {
  name: string;
  input: LowStockInput;
  handle: WorkflowHandle<LowStockWorkflow>;
  final: LowStockStatus;
  expect: Partial<LowStockStatus>;
}

/** Every scenario, concurrently, each to its end. */
export function runLowStockScenarios(s: LowStockStack): Promise<LowStockRun[]> {
  return Promise.all(
    LOW_STOCK_SCENARIOS.map(async (sc) => {
      const input: LowStockInput = {
        tenantId: s.identity.tenantId,
        alertId: uuidv7(),
        branchId: sc.branch(s),
        notice: gymLowStockNotice({
          productId: uuidv7(),
          productName: 'Barra de cereal',
          sku: 'BAR-01',
          quantity: 2,
          threshold: 3,
        }),
      };
      const handle = await s.client.workflow.start<LowStockWorkflow>(LOW_STOCK_WORKFLOW_TYPE, {
        taskQueue: LOW_STOCK_TASK_QUEUE,
        workflowId: lowStockWorkflowId(input.tenantId, input.alertId),
        args: [input],
      });
      return { name: sc.name, input, handle, final: await handle.result(), expect: sc.expect };
    }),
  );
}
