/**
 * identity's activities (task queue `identity`) on the real PostgreSQL, called directly and through
 * a real Temporal worker: profiles of tenants and users, and operator checks that expand roles exactly
 * as the guard does, with non-retryable NOT_FOUND / FORBIDDEN failures and tenant isolation.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createOrm, createTemporalClient, createWorker, runWithContext } from '@faena/platform';
import { ROOT, captureLogger, testDatabaseUrl, testStack, uniqueTaskQueue } from '@faena/platform/testing';
import { createActivities } from '../src/activities.ts';
import { Tenant, User, entities } from '../src/domain/entities.ts';
import {
  API,
  addUser,
  bearer,
  roleId,
  signUp,
  startIdentity,
  unique,
  type Harness,
  type SignedUp,
} from './harness.ts';

type Member = Awaited<ReturnType<typeof addUser>>;

let h: Harness;
let biz: SignedUp;
let other: SignedUp;
let acts: ReturnType<typeof createActivities>;
const logs = captureLogger('identity-worker');
/** Names and emails created here: none may reach a log line. */
const personal: string[] = [];

beforeAll(async () => {
  h = await startIdentity();
  [biz, other] = await Promise.all([signUp(h, 'marketplace'), signUp(h, 'gym')]);
  personal.push(biz.ownerEmail, other.ownerEmail);
  acts = createActivities({ orm: h.orm, logger: logs.logger });
}, 60000);
afterAll(() => h.close());

/** A user of `biz` holding `roles`, renamed to a name of their own (so the logs can be searched for it). */
async function member(roles: Array<{ roleId: string; branchId?: string | null }>): Promise<Member> {
  const user = await addUser(h, biz, roles);
  const name = `Ximena Quiroga ${unique()}`;
  const renamed = await h.agent.patch(`${API}/users/${user.id}`).set(bearer(biz.token)).send({ name });
  expect(renamed.status).toBe(200);
  personal.push(user.email, name);
  return user;
}

async function customRole(permissions: string[], parent?: string): Promise<string> {
  const res = await h.agent
    .post(`${API}/roles`)
    .set(bearer(biz.token))
    .send({ name: `r-${unique()}`, permissions, parentId: parent ? await roleId(h, biz, parent) : null });
  expect(res.status).toBe(201);
  return res.body.data.id as string;
}

/** The activity's rejection, which must be a non-retryable ApplicationFailure of `type`. */
async function refused(call: Promise<unknown>, type: 'NOT_FOUND' | 'FORBIDDEN'): Promise<ApplicationFailure> {
  const err = await call.then(
    () => new Error('expected the activity to fail'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  const failure = err as ApplicationFailure;
  expect({ type: failure.type, nonRetryable: failure.nonRetryable }).toEqual({ type, nonRetryable: true });
  return failure;
}

describe('describeTenant', () => {
  it("gives the business's name, currency, locale and time zone", async () => {
    expect(await acts.describeTenant({ tenantId: biz.tenantId })).toEqual({
      id: biz.tenantId,
      name: `Biz ${biz.slug}`,
      currency: 'ARS',
      locale: 'es-AR',
      timeZone: 'America/Argentina/Buenos_Aires',
    });
  });

  it('refuses an unknown tenant with NOT_FOUND', async () => {
    await refused(acts.describeTenant({ tenantId: '0190a000-0000-7000-8000-000000000000' }), 'NOT_FOUND');
  });
});

describe('describeUser', () => {
  it("gives an active user's id, name and email, and a null locale (users keep none)", async () => {
    const user = await member([{ roleId: await roleId(h, biz, 'client') }]);
    const profile = await acts.describeUser({ tenantId: biz.tenantId, userId: user.id });
    expect(profile).toEqual({
      id: user.id,
      name: expect.stringMatching(/^Ximena Quiroga /),
      email: user.email,
      locale: null,
    });
  });
});

describe('verifyOperator', () => {
  it('accepts a permission held through an inherited role (custom → admin → manager)', async () => {
    // The role grants only jobs.read; disputes.resolve comes from admin, cash.close from manager's cash.*.
    const desk = await member([{ roleId: await customRole(['jobs.read'], 'admin') }]);
    for (const permission of ['jobs.read', 'disputes.resolve', 'cash.close']) {
      expect(await acts.verifyOperator({ tenantId: biz.tenantId, userId: desk.id, permission })).toEqual({
        id: desk.id,
        name: expect.stringMatching(/^Ximena Quiroga /),
        email: desk.email,
        locale: null,
      });
    }
  });

  it('accepts a permission held through a wildcard role: `resource.*`, and `*` (which excludes platform.*)', async () => {
    const resolver = await member([{ roleId: await customRole(['disputes.*']) }]);
    await expect(
      acts.verifyOperator({ tenantId: biz.tenantId, userId: resolver.id, permission: 'disputes.resolve' }),
    ).resolves.toMatchObject({ id: resolver.id });
    await refused(
      acts.verifyOperator({ tenantId: biz.tenantId, userId: resolver.id, permission: 'kyc.review' }),
      'FORBIDDEN',
    );
    // The owner holds `*`: every tenant permission, but never the platform operators' ones (as the guard expands it).
    await expect(
      acts.verifyOperator({ tenantId: biz.tenantId, userId: biz.ownerId, permission: 'kyc.review' }),
    ).resolves.toMatchObject({ id: biz.ownerId, email: biz.ownerEmail });
    await refused(
      acts.verifyOperator({ tenantId: biz.tenantId, userId: biz.ownerId, permission: 'platform.tenants' }),
      'FORBIDDEN',
    );
  });

  it('accepts a permission held in one branch only', async () => {
    const branch = await h.agent
      .post(`${API}/branches`)
      .set(bearer(biz.token))
      .send({
        name: 'Centro',
        timeZone: 'America/Bogota',
        address: { line1: 'Calle 1', city: 'Bogotá', country: 'co' },
      });
    expect(branch.status).toBe(201);
    const cashier = await member([
      { roleId: await roleId(h, biz, 'cashier'), branchId: branch.body.data.id },
    ]);
    await expect(
      acts.verifyOperator({ tenantId: biz.tenantId, userId: cashier.id, permission: 'cash.close' }),
    ).resolves.toMatchObject({ id: cashier.id });
  });

  it('refuses a user without the permission with FORBIDDEN', async () => {
    const waiter = await member([{ roleId: await roleId(h, biz, 'waiter') }]);
    const failure = await refused(
      acts.verifyOperator({ tenantId: biz.tenantId, userId: waiter.id, permission: 'disputes.resolve' }),
      'FORBIDDEN',
    );
    expect(failure.message).toBe(`user ${waiter.id} lacks permission disputes.resolve`);
    // ...while describing them is fine: they are a real user of the tenant.
    await expect(acts.describeUser({ tenantId: biz.tenantId, userId: waiter.id })).resolves.toMatchObject({
      id: waiter.id,
    });
  });

  it('refuses a permission outside the catalog (a typo in a workflow) with FORBIDDEN', async () => {
    const failure = await refused(
      acts.verifyOperator({ tenantId: biz.tenantId, userId: biz.ownerId, permission: 'disputes.resolv' }),
      'FORBIDDEN',
    );
    expect(failure.message).toContain('not in the catalog');
    await refused(
      acts.verifyOperator({ tenantId: biz.tenantId, userId: biz.ownerId, permission: '*' }),
      'FORBIDDEN',
    );
  });

  it('refuses the operators of a suspended business with FORBIDDEN (the guard refuses them too)', async () => {
    const suspended = await signUp(h);
    personal.push(suspended.ownerEmail);
    await h.orm.em.fork().nativeUpdate(Tenant, { id: suspended.tenantId }, { status: 'suspended' });
    await refused(
      acts.verifyOperator({
        tenantId: suspended.tenantId,
        userId: suspended.ownerId,
        permission: 'kyc.review',
      }),
      'FORBIDDEN',
    );
    // Its profile can still be described (a process may need to write to it about the suspension).
    await expect(acts.describeTenant({ tenantId: suspended.tenantId })).resolves.toMatchObject({
      id: suspended.tenantId,
    });
  });
});

describe('users who are not (or no longer) active are NOT_FOUND', () => {
  const both = (userId: string) => [
    () => acts.describeUser({ tenantId: biz.tenantId, userId }),
    () => acts.verifyOperator({ tenantId: biz.tenantId, userId, permission: 'disputes.resolve' }),
  ];

  it('a disabled user', async () => {
    const user = await member([{ roleId: await roleId(h, biz, 'admin') }]);
    await expect(
      acts.verifyOperator({ tenantId: biz.tenantId, userId: user.id, permission: 'disputes.resolve' }),
    ).resolves.toMatchObject({ id: user.id });
    const res = await h.agent
      .patch(`${API}/users/${user.id}`)
      .set(bearer(biz.token))
      .send({ status: 'disabled' });
    expect(res.status).toBe(200);
    for (const call of both(user.id)) await refused(call(), 'NOT_FOUND');
  });

  it('a removed (soft-deleted) user, whose row is still there', async () => {
    const user = await member([{ roleId: await roleId(h, biz, 'admin') }]);
    expect((await h.agent.delete(`${API}/users/${user.id}`).set(bearer(biz.token))).status).toBe(204);
    const row = await h.orm.em
      .fork()
      .findOne(User, { id: user.id }, { filters: { tenant: false, softDelete: false } });
    expect(row?.deletedAt).toBeInstanceOf(Date);
    for (const call of both(user.id)) await refused(call(), 'NOT_FOUND');
  });

  it('an invited user who has not accepted yet', async () => {
    const email = `invitee-${unique()}@example.com`;
    personal.push(email);
    const invited = await h.agent
      .post(`${API}/users`)
      .set(bearer(biz.token))
      .send({ email, name: 'Invitee', roles: [{ roleId: await roleId(h, biz, 'admin') }] });
    expect(invited.status).toBe(201);
    for (const call of both(invited.body.data.id as string)) await refused(call(), 'NOT_FOUND');
  });

  it("another tenant's user (the ORM's tenant filter hides them)", async () => {
    await expect(
      acts.describeUser({ tenantId: other.tenantId, userId: other.ownerId }),
    ).resolves.toMatchObject({
      id: other.ownerId,
    });
    for (const call of both(other.ownerId)) await refused(call(), 'NOT_FOUND');
    await refused(
      acts.verifyOperator({ tenantId: biz.tenantId, userId: other.ownerId, permission: 'kyc.review' }),
      'NOT_FOUND',
    );
  });

  it('an id that is not a UUID, refused before the database (never a retryable database error), and not echoed', async () => {
    for (const userId of ['not-a-uuid', 'ana.perez@example.com', '', `${biz.ownerId}x`, "1' or '1'='1"]) {
      for (const call of both(userId)) {
        const failure = await refused(call(), 'NOT_FOUND');
        if (userId) expect(failure.message).not.toContain(userId);
      }
    }
    await refused(acts.describeTenant({ tenantId: 'acme' }), 'NOT_FOUND');
    await refused(acts.describeUser({ tenantId: 'acme', userId: biz.ownerId }), 'NOT_FOUND');
    await refused(
      acts.verifyOperator({ tenantId: 'acme', userId: biz.ownerId, permission: 'kyc.review' }),
      'NOT_FOUND',
    );
  });
});

describe('infrastructure failures', () => {
  it('a database error is thrown as it is (a plain error), so Temporal retries it', async () => {
    // identity's entities on a schema that does not exist: every query fails in PostgreSQL (42P01).
    const orm = await createOrm({
      url: await testDatabaseUrl(),
      schema: `missing_${unique()}`,
      entities,
      poolMax: 1,
    });
    try {
      const broken = createActivities({ orm, logger: logs.logger });
      for (const call of [
        () => broken.describeTenant({ tenantId: biz.tenantId }),
        () => broken.describeUser({ tenantId: biz.tenantId, userId: biz.ownerId }),
        () =>
          broken.verifyOperator({ tenantId: biz.tenantId, userId: biz.ownerId, permission: 'kyc.review' }),
      ]) {
        const err = await call().then(
          () => new Error('expected a database error'),
          (e: unknown) => e,
        );
        expect(err).not.toBeInstanceOf(ApplicationFailure);
        expect((err as Error).message).toMatch(/does not exist/);
      }
    } finally {
      await orm.close(true);
    }
  });
});

/**
 * A workflow written for this test only (bundled from a temporary directory, resolved against the
 * repository's node_modules): calls the activities on `taskQueue` in turn and returns each outcome,
 * so one run witnesses profiles and failures as a workflow sees them.
 */
const WORKFLOW_SOURCE = `
import { proxyActivities } from '@temporalio/workflow';

export async function askIdentity(taskQueue, calls) {
  const identity = proxyActivities({
    taskQueue,
    startToCloseTimeout: '10s',
    retry: { initialInterval: '50ms', maximumAttempts: 3 },
  });
  const results = [];
  for (const { activity, input } of calls) {
    try {
      results.push({ ok: await identity[activity](input) });
    } catch (err) {
      results.push({
        failed: { type: err.cause?.type, nonRetryable: err.cause?.nonRetryable, retryState: err.retryState },
      });
    }
  }
  return results;
}
`;

describe('through a real Temporal worker', () => {
  it('a workflow gets profiles, and NOT_FOUND / FORBIDDEN as non-retryable failures, with the context of its start', async () => {
    const operator = await member([{ roleId: await customRole(['disputes.*']) }]);
    const waiter = await member([{ roleId: await roleId(h, biz, 'waiter') }]);
    const temporal = {
      TEMPORAL_ADDRESS: testStack.temporalAddress,
      TEMPORAL_NAMESPACE: testStack.temporalNamespace,
    };
    const taskQueue = uniqueTaskQueue('identity');
    const dir = mkdtempSync(join(tmpdir(), 'faena-identity-workflow-'));
    const workflowsPath = join(dir, 'workflows.js');
    writeFileSync(workflowsPath, WORKFLOW_SOURCE);
    const client = await createTemporalClient(temporal);
    const { worker, connection } = await createWorker({
      config: temporal,
      logger: logs.logger,
      taskQueue,
      workflowsPath,
      activities: createActivities({ orm: h.orm, logger: logs.logger }),
      bundlerOptions: {
        webpackConfigHook: (config) => ({
          ...config,
          resolve: {
            ...config.resolve,
            modules: [...(config.resolve?.modules ?? []), join(ROOT, 'node_modules')],
          },
        }),
      },
    });
    const t = biz.tenantId;
    const calls = [
      { activity: 'describeTenant', input: { tenantId: t } },
      { activity: 'describeUser', input: { tenantId: t, userId: operator.id } },
      {
        activity: 'verifyOperator',
        input: { tenantId: t, userId: operator.id, permission: 'disputes.resolve' },
      },
      {
        activity: 'verifyOperator',
        input: { tenantId: t, userId: waiter.id, permission: 'disputes.resolve' },
      },
      {
        activity: 'verifyOperator',
        input: { tenantId: t, userId: other.ownerId, permission: 'disputes.resolve' },
      },
      { activity: 'describeUser', input: { tenantId: t, userId: 'operator 7' } },
    ];
    const correlationId = `corr-${taskQueue}`;
    try {
      const results = await worker.runUntil(
        // the tenant and correlation id travel in the workflow's context header, as when an API request starts a process
        runWithContext({ tenantId: t, correlationId }, () =>
          client.workflow.execute('askIdentity', {
            taskQueue,
            workflowId: `identity-${taskQueue}`,
            args: [taskQueue, calls],
          }),
        ),
      );
      const notRetried = { nonRetryable: true, retryState: 'NON_RETRYABLE_FAILURE' };
      expect(results).toEqual([
        { ok: expect.objectContaining({ id: t, currency: 'ARS', locale: 'es-AR' }) },
        {
          ok: {
            id: operator.id,
            name: expect.stringMatching(/^Ximena/),
            email: operator.email,
            locale: null,
          },
        },
        { ok: expect.objectContaining({ id: operator.id, email: operator.email }) },
        { failed: { type: 'FORBIDDEN', ...notRetried } },
        { failed: { type: 'NOT_FOUND', ...notRetried } },
        { failed: { type: 'NOT_FOUND', ...notRetried } },
      ]);
    } finally {
      await client.connection.close();
      await connection.close();
      rmSync(dir, { recursive: true, force: true });
    }
    // The activity ran in the context its workflow was started with: the tenant filter's tenant, the request's correlation id.
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({
        message: 'operator verified',
        operatorId: operator.id,
        permission: 'disputes.resolve',
        tenantId: t,
        correlationId,
      }),
    );
  }, 90000);
});

/** A log line as searchable text, payload byte maps (`{"0":123,"1":34,…}`) decoded. */
const searchable = (v: unknown): string => {
  if (!v || typeof v !== 'object') return String(v);
  const entries = Object.entries(v);
  if (entries.length && entries.every(([k, x]) => /^\d+$/.test(k) && typeof x === 'number'))
    return Buffer.from(
      entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, x]) => x as number),
    ).toString();
  return entries.map(([k, x]) => `${k} ${searchable(x)}`).join(' ');
};

describe('logs', () => {
  it('carry ids, never the names or emails of the people looked up (at info and above, as production logs)', () => {
    // At debug, the Temporal SDK's own "Got workflow activation" lines dump payloads (activity results included).
    const lines = logs.lines().filter((l) => l.level !== 'debug');
    const text = lines.map(searchable).join('\n');
    expect(text).toContain('operator refused: missing permission');
    expect(personal.length).toBeGreaterThan(10);
    for (const value of personal)
      expect({ value, logged: text.includes(value) }).toEqual({ value, logged: false });
    expect(text).not.toMatch(/Ximena|@example\.com/);
  });
});
