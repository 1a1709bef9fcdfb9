/**
 * Authorization of every route of every service, generated from the route tables as each service
 * publishes them (`/openapi.json`: `x-permission`, `x-branch-scope`), so a new route is checked
 * without a new test:
 * - a caller holding another permission is refused every route that needs one (403), and
 *   every authenticated route without a token (401);
 * - a caller holding a route's permission only in branch A (a custom role with that permission
 *   alone, assigned in A) is refused tenant-wide operations and requests naming branch B, and
 *   passes the guard for branch A;
 * - routes whose records carry their branch (`records`) each have a case below (a list shows A's
 *   and not B's, B's record is not found): a records route without one fails the suite;
 * - the owner of another business gets 404 for this business's record on every route that takes a
 *   record id (ids of real records of every kind): a route with an id nobody provided fails.
 * Real services over HTTP, real identity tokens, real PostgreSQL and Redis.
 */
import { randomUUID } from 'node:crypto';
import { runWithContext } from '@faena/platform';
import { Job, Review } from '../../services/marketplace/src/domain/entities.ts';
import { WebhookDelivery } from '../../services/notifications/src/domain/entities.ts';
import { addBranch, addUser, roleId } from '../../services/identity/test/harness.ts';
import { notify } from '../../services/notifications/src/domain/notify.ts';
import type { Harness as Notifications } from '../../services/notifications/test/harness.ts';
import {
  bearer,
  business,
  newKey,
  openDrawer,
  type Business,
  type PaymentsHarness,
} from '../../services/payments/test/harness.ts';
import { PNG } from '../../services/marketplace/test/harness.ts';
import { approvedProfessional, type MarketplaceApi } from '../e2e/marketplace.ts';
import { startStack, type Stack } from './stack.ts';

interface Operation {
  service: string;
  method: string;
  /** OpenAPI path (`/api/payments/v1/payments/{id}`). */
  path: string;
  permission?: string;
  scope?: string;
  auth: boolean;
  params: string[];
}

let stack: Stack;
let h: PaymentsHarness;
let m: MarketplaceApi;
let n: Notifications;
const urls: Record<string, string> = {};
const ops: Operation[] = [];
let t1: Business;
let t2: Business;
let branchB: string;
/** Per permission, a user of t1 holding only that permission, in branch A only. */
const inA = new Map<string, string>();
/** Ids of t1's real records, by the path segment naming them. */
const ids: Record<string, string | undefined> = {};

const send = (
  op: Operation,
  opts: { token?: string; params?: Record<string, string>; query?: string; body?: unknown },
) => {
  const path = op.path.replace(/\{(\w+)\}/g, (_m, p: string) => opts.params?.[p] ?? randomUUID());
  return fetch(`${urls[op.service]}${path}${opts.query ? `?${opts.query}` : ''}`, {
    method: op.method.toUpperCase(),
    headers: {
      ...(opts.token && { Authorization: `Bearer ${opts.token}` }),
      'Content-Type': 'application/json',
      'Idempotency-Key': newKey('routes'),
    },
    ...(!['get', 'head'].includes(op.method) && { body: JSON.stringify(opts.body ?? {}) }),
  });
};
/** What the suite checked, printed with the test run. */
const report = (line: string) => process.stdout.write(`routes.test: ${line}\n`);
const label = (op: Operation) => `${op.method.toUpperCase()} ${op.path}`;

beforeAll(async () => {
  stack = await startStack('routes');
  ({ h, m, n } = stack);
  Object.assign(urls, stack.urls);
  for (const { service, method, path, op } of stack.operations)
    ops.push({
      service,
      method,
      path,
      permission: op['x-permission'],
      scope: op['x-branch-scope'],
      auth: (op.security?.length ?? 0) > 0,
      params: [...path.matchAll(/\{(\w+)\}/g)].map((x) => x[1]!),
    });

  [t1, t2] = await Promise.all([business(h), business(h)]);
  branchB = await addBranch(h.identity, t1.biz, 'B', 'America/Santiago');
  // payments.read narrows GET /payments (a route any signed-in user may call) to branches.
  const permissions = [
    ...new Set([...ops.flatMap((o) => (o.permission ? [o.permission] : [])), 'payments.read']),
  ].filter((p) => !p.startsWith('platform.'));
  for (const permission of permissions) {
    const role = await h.identity.agent
      .post('/api/identity/v1/roles')
      .set(bearer(t1.owner))
      .send({ name: `only-${permission.replace('.', '-')}`, permissions: [permission] });
    if (role.status !== 201)
      throw new Error(`role ${permission}: ${role.status} ${JSON.stringify(role.body)}`);
    inA.set(
      permission,
      (await addUser(h.identity, t1.biz, [{ roleId: role.body.data.id, branchId: t1.branchId }])).token,
    );
  }
  await fixtures();
}, 240_000);

afterAll(() => stack?.close());

/** One real record of every kind in t1, made the way clients make them (rows for what only a deal makes). */
async function fixtures() {
  const P = '/api/payments/v1';
  const M = '/api/marketplace/v1';
  const N = '/api/notifications/v1';
  const ok = (res: { status: number; body: unknown }, what: string) => {
    if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { data: Record<string, string> };
  };
  ids.users = t1.client.id;
  ids.roles = await roleId(h.identity, t1.biz, 'client');
  ids.branches = t1.branchId;
  ids.tenants = t1.biz.tenantId;
  const drawerB = await openDrawer(h, t1.owner, branchB, { name: 'B 1' });
  ids.drawers = t1.drawerId;
  ids.drawersB = drawerB.drawerId;
  const sessionsA = ok(
    await h.agent.get(`${P}/cash-sessions?drawerId=${t1.drawerId}`).set(bearer(t1.owner)),
    'session A',
  ).data as unknown as Array<{ id: string }>;
  ids['cash-sessions'] = sessionsA[0]!.id;
  ids['cash-sessionsB'] = drawerB.sessionId;
  const deposit = (drawerId: string) =>
    h.agent
      .post(`${P}/wallets/${t1.client.id}/deposits`)
      .set(bearer(t1.owner))
      .set('Idempotency-Key', newKey('fixture'))
      .send({ amount: 5000, currency: 'CLP', drawerId });
  ids.payments = ok(await deposit(t1.drawerId), 'deposit A').data.id!;
  ids.paymentsB = ok(await deposit(drawerB.drawerId), 'deposit B').data.id!;
  const accounts = ok(await h.agent.get(`${P}/accounts`).set(bearer(t1.owner)), 'accounts')
    .data as unknown as Array<{
    id: string;
    kind: string;
    ownerId: string | null;
  }>;
  ids.accounts = accounts.find((a) => a.kind === 'cash_drawer' && a.ownerId === t1.drawerId)!.id;
  ids.accountsB = accounts.find((a) => a.kind === 'cash_drawer' && a.ownerId === drawerB.drawerId)!.id;
  ids.wallets = t1.client.id;

  await approvedProfessional(m, t1);
  ids.professionals = t1.pro.id;
  ids.portfolio = ok(
    await m.agent
      .post(`${M}/professionals/me/portfolio`)
      .set(bearer(t1.pro.token))
      .field('title', 'Baño')
      .attach('images', PNG, 'a.png'),
    'portfolio item',
  ).data.id!;
  ids.offers = ok(
    await m.agent
      .post(`${M}/offers`)
      .set(bearer(t1.pro.token))
      .send({
        clientId: t1.client.id,
        description: 'Fix the sink',
        amount: 10000,
        currency: 'CLP',
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      }),
    'offer',
  ).data.id!;
  // A job and its review come out of a paid deal (escrow workflow); the rows are what it writes.
  const asT1 = <T>(fn: () => Promise<T>) => runWithContext({ tenantId: t1.biz.tenantId }, fn);
  const { job, review } = await asT1(async () => {
    const em = m.orm.em.fork();
    const job = em.create(Job, {
      tenantId: t1.biz.tenantId,
      offerId: ids.offers!,
      clientId: t1.client.id,
      professionalId: t1.pro.id,
      description: 'Fix the sink',
      amount: 10000n,
      currency: 'CLP',
      commissionBps: 1000,
      levelAtAcceptance: 1,
      paymentMethod: 'wallet',
      workflowId: `fixture-${randomUUID()}`,
    });
    const review = em.create(Review, {
      tenantId: t1.biz.tenantId,
      jobId: job.id,
      professionalId: t1.pro.id,
      clientId: t1.client.id,
      rating: 5,
    });
    await em.flush();
    return { job, review };
  });
  ids.jobs = job.id;
  ids.reviews = review.id;

  const webhook = ok(
    await n.agent
      .post(`${N}/webhooks`)
      .set(bearer(t1.owner))
      // The notifications harness allows its loopback receivers (TENANT_URL_ALLOW_CIDRS).
      .send({ url: 'http://127.0.0.1:9/faena', events: ['escrow.funded'] }),
    'webhook',
  ).data;
  ids.webhooks = webhook.id!;
  const delivery = await asT1(async () => {
    const nem = n.orm.em.fork();
    const delivery = nem.create(WebhookDelivery, {
      tenantId: t1.biz.tenantId,
      endpointId: webhook.id!,
      eventType: 'escrow.funded',
      eventId: randomUUID(),
      payload: {},
      // Dead (re-drivable), so no dispatcher of a suite sharing the database tries to send it.
      status: 'dead',
      nextAttemptAt: new Date(),
      deadAt: new Date(),
    });
    await nem.flush();
    return delivery;
  });
  ids.deliveries = delivery.id;
  // A notification as a service sends one (password reset: email + the user's inbox).
  const notified = await notify(n.deps.notify, {
    tenantId: t1.biz.tenantId,
    key: newKey('fixture'),
    event: 'password.reset',
    recipient: { userId: t1.client.id, email: 'client@example.com' },
    variables: { name: 'Ana', resetUrl: 'https://app.faena.test/reset?token=x', expiresInMinutes: 30 },
  });
  const inApp = notified.notifications.find((x) => x.channel === 'in_app') ?? notified.notifications[0]!;
  ids.notifications = notified.notifications[0]!.id;
  ids.inbox = inApp.id;
}

/** The id of t1's record a path parameter names: the collection segment before it. */
function idFor(op: Operation, param: string): string | undefined {
  const segments = op.path.split('/');
  const at = segments.indexOf(`{${param}}`);
  const collection = segments[at - 1] === 'deliveries' ? 'deliveries' : segments[at - 1]!;
  return ids[collection];
}

const NOT_A_RECORD_OF_T1 = new Map([
  // The provider's notification URL carries the tenant whose secret signs it: a signature check, not a lookup.
  ['POST /api/payments/v1/webhooks/mercadopago/{tenantId}', 'signed by the tenant named'],
  // Platform operators' routes: another business's owner holds no platform permission (403 first).
  ['GET /api/identity/v1/tenants/{id}', 'platform operators only'],
  ['POST /api/identity/v1/tenants/{id}/suspend', 'platform operators only'],
  ['POST /api/identity/v1/tenants/{id}/reactivate', 'platform operators only'],
  // Deposits name a user of identity, whose existence payments does not check yet (issue 14).
  ['POST /api/payments/v1/wallets/{userId}/deposits', 'issue 14: payments trusts user ids'],
]);

describe('route-table authorization', () => {
  it('covers every route of every service', () => {
    const counts = Object.fromEntries(
      Object.keys(urls).map((s) => [s, ops.filter((o) => o.service === s).length]),
    );
    report(`route table: ${ops.length} routes (${JSON.stringify(counts)})`);
    expect(ops.length).toBeGreaterThan(80);
    // Every route that needs a permission says where it acts.
    expect(ops.filter((o) => o.permission && !o.scope).map(label)).toEqual([]);
  });

  it('refuses a caller without the permission (403) and a caller without a token (401)', async () => {
    const wrong: string[] = [];
    let cases = 0;
    for (const op of ops.filter((o) => o.auth)) {
      const anonymous = await send(op, {});
      cases++;
      if (anonymous.status !== 401) wrong.push(`${label(op)} without a token: ${anonymous.status}`);
      if (!op.permission) continue;
      // A user of the same business holding one other permission (everywhere it has one: branch A).
      const other = [...inA.keys()].find((p) => p !== op.permission)!;
      const res = await send(op, { token: inA.get(other)! });
      cases++;
      if (res.status !== 403) wrong.push(`${label(op)} without ${op.permission}: ${res.status}`);
    }
    report(`no token / no permission: ${cases} cases`);
    expect(wrong).toEqual([]);
  }, 120_000);

  it('a grant in branch A acts in A only: tenant-wide operations and branch B are refused', async () => {
    const wrong: string[] = [];
    let cases = 0;
    for (const op of ops.filter((o) => o.permission && !o.permission.startsWith('platform.'))) {
      const token = inA.get(op.permission!)!;
      const [kind, field] = op.scope!.split(':') as [string, string | undefined];
      const at = (branch: string) =>
        kind === 'path'
          ? { params: { [field!]: branch } }
          : kind === 'query'
            ? { query: `${field}=${branch}` }
            : kind === 'body'
              ? { body: { [field!]: branch } }
              : {};
      const b = await send(op, { token, ...at(branchB) });
      cases++;
      const expectRefusal = kind !== 'records' && kind !== 'self';
      if (expectRefusal && b.status !== 403)
        wrong.push(`${label(op)} (${op.scope}) for branch B: ${b.status}`);
      if (!expectRefusal && b.status === 403) wrong.push(`${label(op)} (${op.scope}) refused a holder in A`);
      if (kind === 'path' || kind === 'query' || kind === 'body') {
        const a = await send(op, { token, ...at(t1.branchId) });
        cases++;
        if (a.status === 403) wrong.push(`${label(op)} (${op.scope}) refused branch A: ${await a.text()}`);
      }
    }
    report(`branch scope: ${cases} cases`);
    expect(wrong).toEqual([]);
  }, 120_000);

  // Each route whose records carry their branch: what a holder in A sees and is refused.
  const RECORDS: Record<string, () => Promise<void>> = {
    'GET /api/identity/v1/branches': async () => {
      const res = await fetch(`${urls.identity}/api/identity/v1/branches?limit=100`, {
        headers: bearer(inA.get('branches.read')!),
      });
      const listed = ((await res.json()) as { data: Array<{ id: string }> }).data.map((b) => b.id);
      expect(listed).toEqual([t1.branchId]);
    },
    'GET /api/payments/v1/accounts': async () => {
      const res = await fetch(`${urls.payments}/api/payments/v1/accounts`, {
        headers: bearer(inA.get('ledger.read')!),
      });
      const listed = ((await res.json()) as { data: Array<{ id: string }> }).data.map((a) => a.id);
      expect(listed).toEqual([ids.accounts]);
    },
    'GET /api/payments/v1/accounts/{id}/statement': async () => {
      const get = (id: string) =>
        fetch(`${urls.payments}/api/payments/v1/accounts/${id}/statement`, {
          headers: bearer(inA.get('ledger.read')!),
        });
      expect([(await get(ids.accounts!)).status, (await get(ids.accountsB!)).status]).toEqual([200, 404]);
    },
    'GET /api/payments/v1/accounts/{id}/statement.csv': async () => {
      const get = (id: string) =>
        fetch(`${urls.payments}/api/payments/v1/accounts/${id}/statement.csv`, {
          headers: bearer(inA.get('ledger.read')!),
        });
      expect([(await get(ids.accounts!)).status, (await get(ids.accountsB!)).status]).toEqual([200, 404]);
    },
    'POST /api/payments/v1/payments/{id}/refunds': async () => {
      const refund = (id: string) =>
        fetch(`${urls.payments}/api/payments/v1/payments/${id}/refunds`, {
          method: 'POST',
          headers: {
            ...bearer(inA.get('payments.refund')!),
            'Content-Type': 'application/json',
            'Idempotency-Key': newKey(),
          },
          body: JSON.stringify({ amount: 100, reason: 'scope' }),
        });
      expect([(await refund(ids.paymentsB!)).status, (await refund(ids.payments!)).status]).toEqual([
        404, 200,
      ]);
    },
    'GET /api/payments/v1/drawers': async () => {
      const res = await fetch(`${urls.payments}/api/payments/v1/drawers?limit=100`, {
        headers: bearer(inA.get('cash_sessions.operate')!),
      });
      const listed = ((await res.json()) as { data: Array<{ id: string }> }).data.map((d) => d.id);
      expect(listed).toEqual([ids.drawers]);
    },
    'PATCH /api/payments/v1/drawers/{id}': async () => {
      const patch = (id: string) =>
        fetch(`${urls.payments}/api/payments/v1/drawers/${id}`, {
          method: 'PATCH',
          headers: { ...bearer(inA.get('drawers.manage')!), 'Content-Type': 'application/json' },
          body: JSON.stringify({ name: 'Caja 1' }),
        });
      expect([(await patch(ids.drawersB!)).status, (await patch(ids.drawers!)).status]).toEqual([404, 200]);
    },
    'POST /api/payments/v1/drawers/{id}/sessions': async () => {
      const open = (id: string) =>
        fetch(`${urls.payments}/api/payments/v1/drawers/${id}/sessions`, {
          method: 'POST',
          headers: { ...bearer(inA.get('cash_sessions.operate')!), 'Content-Type': 'application/json' },
          body: JSON.stringify({ openingFloat: 0, currency: 'CLP' }),
        });
      // A's drawer is found (and already open); B's is not.
      expect([(await open(ids.drawersB!)).status, (await open(ids.drawers!)).status]).toEqual([404, 409]);
    },
    'GET /api/payments/v1/cash-sessions': async () => {
      const res = await fetch(`${urls.payments}/api/payments/v1/cash-sessions?limit=100`, {
        headers: bearer(inA.get('cash_sessions.operate')!),
      });
      const listed = ((await res.json()) as { data: Array<{ id: string }> }).data.map((s) => s.id);
      expect(listed).toContain(ids['cash-sessions']);
      expect(listed).not.toContain(ids['cash-sessionsB']);
    },
    'GET /api/payments/v1/cash-sessions/{id}': async () => {
      const one = (id: string) =>
        fetch(`${urls.payments}/api/payments/v1/cash-sessions/${id}`, {
          headers: bearer(inA.get('cash_sessions.operate')!),
        });
      expect([(await one(ids['cash-sessions']!)).status, (await one(ids['cash-sessionsB']!)).status]).toEqual(
        [200, 404],
      );
    },
    'POST /api/payments/v1/cash-sessions/{id}/movements': async () => {
      const move = (id: string) =>
        fetch(`${urls.payments}/api/payments/v1/cash-sessions/${id}/movements`, {
          method: 'POST',
          headers: {
            ...bearer(inA.get('cash_sessions.operate')!),
            'Content-Type': 'application/json',
            'Idempotency-Key': newKey(),
          },
          body: JSON.stringify({ type: 'cash_in', amount: 100, reason: 'scope' }),
        });
      expect([
        (await move(ids['cash-sessionsB']!)).status,
        (await move(ids['cash-sessions']!)).status,
      ]).toEqual([404, 201]);
    },
    'POST /api/payments/v1/cash-sessions/{id}/close': async () => {
      // B's session is not found; A's is found (an empty count is refused as input, so it stays open).
      const close = (id: string, counted: unknown) =>
        fetch(`${urls.payments}/api/payments/v1/cash-sessions/${id}/close`, {
          method: 'POST',
          headers: { ...bearer(inA.get('cash_sessions.operate')!), 'Content-Type': 'application/json' },
          body: JSON.stringify({ counted }),
        });
      expect((await close(ids['cash-sessionsB']!, { cash: 0 })).status).toBe(404);
      expect((await close(ids['cash-sessions']!, {})).status).toBe(400);
    },
    'POST /api/payments/v1/cash-sessions/{id}/approve': async () => {
      const approve = (id: string) =>
        fetch(`${urls.payments}/api/payments/v1/cash-sessions/${id}/approve`, {
          method: 'POST',
          headers: { ...bearer(inA.get('cash_sessions.approve')!), 'Content-Type': 'application/json' },
          body: JSON.stringify({ note: 'scope' }),
        });
      // A's is found but still open (nothing to approve); B's is not found.
      expect([
        (await approve(ids['cash-sessionsB']!)).status,
        (await approve(ids['cash-sessions']!)).status,
      ]).toEqual([404, 409]);
    },
    // Not a requirePermission route: anyone signed in sees their own; staff their branches'.
    'GET /api/payments/v1/payments': async () => {
      const res = await fetch(`${urls.payments}/api/payments/v1/payments?limit=100`, {
        headers: bearer(inA.get('payments.read')!),
      });
      const listed = ((await res.json()) as { data: Array<{ id: string }> }).data.map((p) => p.id);
      expect(listed).toContain(ids.payments);
      expect(listed).not.toContain(ids.paymentsB);
      const one = (id: string) =>
        fetch(`${urls.payments}/api/payments/v1/payments/${id}`, {
          headers: bearer(inA.get('payments.read')!),
        });
      expect([(await one(ids.payments!)).status, (await one(ids.paymentsB!)).status]).toEqual([200, 404]);
    },
  };

  it('records routes show and change only the records of the branches a grant covers', async () => {
    const records = ops.filter((o) => o.scope === 'records').map(label);
    expect(records.filter((r) => !RECORDS[r])).toEqual([]);
    for (const [route, check] of Object.entries(RECORDS)) {
      try {
        await check();
      } catch (err) {
        throw new Error(`${route}: ${(err as Error).message}`, { cause: err });
      }
    }
    report(`records: ${Object.keys(RECORDS).length} routes`);
  }, 60_000);

  it("answers 404 to another business's owner for this business's record on every route that takes an id", async () => {
    const wrong: string[] = [];
    let cases = 0;
    for (const op of ops.filter((o) => o.auth && o.params.length > 0 && !NOT_A_RECORD_OF_T1.has(label(o)))) {
      const params = Object.fromEntries(op.params.map((p) => [p, idFor(op, p) ?? randomUUID()]));
      const first = op.params[0]!;
      if (!idFor(op, first)) {
        wrong.push(`${label(op)}: no record id for {${first}} (add one to fixtures())`);
        continue;
      }
      const res = await send(op, { token: t2.owner, params, body: {} });
      cases++;
      // Not found; or, where the body is checked before the record is looked up, refused as input:
      // either way nothing of t1's is shown or changed.
      const allowed = ['get', 'delete'].includes(op.method) ? [404] : [404, 400, 422];
      if (!allowed.includes(res.status))
        wrong.push(`${label(op)}: ${res.status} ${(await res.text()).slice(0, 200)}`);
    }
    report(`cross-tenant ids: ${cases} cases`);
    expect(wrong).toEqual([]);
  }, 120_000);
});
