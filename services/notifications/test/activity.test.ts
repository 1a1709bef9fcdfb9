import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { createTemporalClient, createWorker, runWithContext, type RunningServer } from '@faena/platform';
import { captureLogger, testStack, uniqueTaskQueue } from '@faena/platform/testing';
import type { Harness as IdentityHarness } from '../../identity/test/harness.ts';
import { createActivities } from '../src/activities.ts';
import {
  API,
  bearer,
  signUp,
  startIdentityServer,
  startNotifications,
  startSmtp,
  unique,
  type Harness,
  type SignedUp,
  type Smtp,
} from './harness.ts';

const workflowsPath = fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url));
const temporal = {
  TEMPORAL_ADDRESS: testStack.temporalAddress,
  TEMPORAL_NAMESPACE: testStack.temporalNamespace,
};

let smtp: Smtp;
let identity: IdentityHarness;
let identityServer: RunningServer;
let h: Harness;
let biz: SignedUp;

beforeAll(async () => {
  smtp = await startSmtp();
  const started = await startIdentityServer();
  identity = started.identity;
  identityServer = started.server;
  h = await startNotifications({ smtpPort: smtp.port, identityUrl: started.url });
  biz = await signUp(identity);
}, 60000);
afterAll(async () => {
  await h?.close();
  await identityServer?.stop();
  await identity?.close();
  await smtp?.stop();
});

async function runWorkflow(input: Record<string, unknown>) {
  const taskQueue = uniqueTaskQueue('notify');
  const client = await createTemporalClient(temporal);
  const { worker, connection } = await createWorker({
    config: temporal,
    logger: captureLogger().logger,
    taskQueue,
    workflowsPath,
    activities: createActivities(h.deps.notify),
  });
  try {
    return await worker.runUntil(
      // the tenant travels in the workflow's context header, as when an API request starts a process
      runWithContext({ tenantId: biz.tenantId, correlationId: `corr-${taskQueue}` }, () =>
        client.workflow.execute('notifyTwice', {
          taskQueue,
          workflowId: `notify-${taskQueue}`,
          args: [input],
        }),
      ),
    );
  } finally {
    await client.connection.close();
    await connection.close();
  }
}

describe('notify activity', () => {
  it('sends once for a key a workflow passes twice, in the tenant of the workflow context', async () => {
    const email = `member-${unique()}@example.com`;
    const key = `renewal/${unique()}/reminder-7d`;
    const [first, second] = await runWorkflow({
      key,
      event: 'membership.renewal_reminder',
      recipient: { email, locale: 'en-US' },
      variables: {
        name: 'Ana',
        planName: 'Gold',
        renewsOn: '2026-12-01',
        amount: { amount: 4999, currency: 'USD' },
      },
    });
    expect(first).toMatchObject({ replayed: false, notifications: [{ channel: 'email', status: 'sent' }] });
    expect(second).toMatchObject({ replayed: true, notifications: [{ id: first!.notifications[0]!.id }] });
    const mails = (await smtp.mails()).filter((m) => m.to.some((t) => t.address === email));
    expect(mails.map((m) => m.subject)).toEqual(['Your Gold plan renews on December 1, 2026']);
    expect(mails[0]!.text).toContain('$49.99');
    const history = await h.agent.get(`${API}/notifications?key=${key}`).set(bearer(biz.token));
    expect(history.body.data).toEqual([
      expect.objectContaining({ status: 'sent', attempts: 1, locale: 'en-US' }),
    ]);
  }, 60000);

  it('fails the step without retries when a template variable is missing', async () => {
    const err: unknown = await runWorkflow({
      key: `renewal/${unique()}`,
      event: 'membership.renewal_reminder',
      recipient: { email: `x-${unique()}@example.com` },
      variables: { name: 'Ana' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause?.cause as
      { type?: string; message?: string } | undefined;
    expect(cause).toMatchObject({ type: 'TEMPLATE_VARIABLE_MISSING' });
  }, 60000);
});
