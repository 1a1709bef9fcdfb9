/**
 * The renewal sweeper beside the gym worker: a membership whose member turned auto-renew on while
 * Temporal could not take the start (the API answered 503, the consent stayed committed) gets its
 * chain from the sweeper, with no read of the membership. Real PostgreSQL, identity, payments and
 * the dev server's Temporal (a task queue no worker polls: the chain is started, not run).
 */
import { Client } from '@temporalio/client';
import { uniqueTaskQueue, eventually } from '@faena/platform/testing';
import { renewalWorkflowId } from '@faena/workflows/renewal/contract';
import { renewalSweeper, sweepRenewals } from '../src/renewal-sweeper.ts';
import {
  API,
  bearer,
  clientUser,
  fundWallet,
  gym,
  member,
  newKey,
  payerCode,
  plan,
  sql,
  startGym,
  startGymApi,
  type Gym,
  type GymApi,
  type GymHarness,
} from './harness.ts';

let h: GymHarness;
let g: Gym;
let down: GymApi;
const taskQueue = uniqueTaskQueue('renewal-sweep');
const started: string[] = [];

beforeAll(async () => {
  h = await startGym();
  g = await gym(h);
  // A gym instance whose Temporal client points at a namespace that does not exist: every start fails.
  const broken = new Client({ connection: h.p.temporal.connection, namespace: `no-such-${newKey('ns')}` });
  down = await startGymApi(h.p, h.p.logs.logger, { temporal: broken, renewalTaskQueue: taskQueue });
}, 120_000);

afterAll(async () => {
  for (const id of started)
    await h.p.temporal.workflow
      .getHandle(renewalWorkflowId(g.biz.tenantId, id))
      .terminate('test over')
      .catch(() => undefined);
  await down?.close();
  await h?.close();
});

const deps = () => ({ orm: h.orm, temporal: h.p.temporal, taskQueue, logger: h.p.logs.logger });
const startedAt = async (id: string) =>
  (
    await sql<{ renewal_started_at: string | null; auto_renew: boolean }>(
      h,
      'select renewal_started_at, auto_renew from gym.memberships where id = ?',
      [id],
    )
  )[0]!;

/** An active monthly membership bought at the desk whose member consents to auto-renew while Temporal is down. */
async function consentedWhileDown(): Promise<string> {
  const monthly = await plan(h, g);
  const user = await clientUser(h, g);
  const m = await member(h, g.receptionist, g.branchA, { userId: user.id });
  await fundWallet(h, g, user.id, 50_000);
  const bought = await h.agent
    .post(`${API}/memberships`)
    .set(bearer(g.receptionist.token))
    .set('Idempotency-Key', newKey('sell'))
    .send({
      branchId: g.branchA,
      method: 'wallet',
      memberId: m.id,
      planId: monthly.id,
      payerCode: await payerCode(h, user),
    });
  expect(bought.status).toBe(201);
  const id = bought.body.data.id as string;
  started.push(id);
  const on = await down.agent
    .put(`${API}/members/me/memberships/${id}/auto-renew`)
    .set(bearer(user.token))
    .send({ autoRenew: true });
  expect(on.status).toBe(503);
  expect(on.body.errors[0].code).toBe('SERVICE_UNAVAILABLE');
  expect(await startedAt(id)).toMatchObject({ auto_renew: true, renewal_started_at: null });
  return id;
}

test('a membership with auto-renew and no started chain gets one from the sweeper, without any read', async () => {
  const id = await consentedWhileDown();
  const handle = h.p.temporal.workflow.getHandle(renewalWorkflowId(g.biz.tenantId, id));

  // Within the grace the API may still be starting it: the sweeper leaves it.
  await sweepRenewals(deps());
  expect((await startedAt(id)).renewal_started_at).toBeNull();
  await expect(handle.describe()).rejects.toThrow();

  // Past the grace: started once, with the process's search attributes, and marked.
  const pass = await sweepRenewals(deps(), { graceMs: 0 });
  expect(pass).toMatchObject({ started: 1, failed: 0 });
  const d = await handle.describe();
  expect(d.status.name).toBe('RUNNING');
  expect(d.taskQueue).toBe(taskQueue);
  expect(d.searchAttributes).toMatchObject({
    TenantId: [g.biz.tenantId],
    BusinessKey: [id],
    ProcessStatus: ['active'],
  });
  expect((await startedAt(id)).renewal_started_at).not.toBeNull();

  // Idempotent: the next pass finds nothing to start and the chain is the same run.
  expect(await sweepRenewals(deps(), { graceMs: 0 })).toMatchObject({ started: 0, failed: 0 });
  expect((await handle.describe()).runId).toBe(d.runId);
}, 60_000);

test('the sweeper as it runs beside the worker: every pass until stopped, the chain started by itself', async () => {
  const id = await consentedWhileDown();
  const stop = new AbortController();
  const job = renewalSweeper(deps(), { everyMs: 100, graceMs: 0 })(stop.signal);
  try {
    await eventually(
      async () => expect((await startedAt(id)).renewal_started_at).not.toBeNull(),
      20_000,
      100,
    );
  } finally {
    stop.abort();
    await job;
  }
  const d = await h.p.temporal.workflow.getHandle(renewalWorkflowId(g.biz.tenantId, id)).describe();
  expect(d.status.name).toBe('RUNNING');
}, 60_000);
