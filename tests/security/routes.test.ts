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
import { PDF, PNG } from '../../services/marketplace/test/harness.ts';
import { WaitlistEntry } from '../../services/gym/src/domain/waitlist-entities.ts';
import type { GymApi } from '../../services/gym/test/harness.ts';
import { approvedProfessional, type MarketplaceApi } from '../e2e/marketplace.ts';
import { startStack, type Stack } from './stack.ts';
import { beginClosure, setClosureSettings } from '../../services/pos/src/closure/domain.ts';

interface Operation {
  service: string;
  method: string;
  /** OpenAPI path (`/api/payments/v1/payments/{id}`). */
  path: string;
  permission?: string;
  scope?: string;
  auth: boolean;
  params: string[];
  /** Required query parameters as a plausible query string (a uuid, a day…), for a request the route reads past validation. */
  requiredQuery: string;
}

let stack: Stack;
let h: PaymentsHarness;
let m: MarketplaceApi;
let n: Notifications;
let g: GymApi;
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
/** A valid-looking value of a query parameter's schema. */
function plausible(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum) && schema.enum.length) return String(schema.enum[0]);
  if (schema.format === 'uuid') return randomUUID();
  if (schema.format === 'date-time') return new Date().toISOString();
  if (schema.format === 'date') return new Date().toISOString().slice(0, 10);
  if (schema.type === 'integer' || schema.type === 'number')
    return String(typeof schema.minimum === 'number' ? schema.minimum : 1);
  if (schema.type === 'boolean') return 'true';
  return 'x';
}

/** What the suite checked, printed with the test run. */
const report = (line: string) => process.stdout.write(`routes.test: ${line}\n`);
const label = (op: Operation) => `${op.method.toUpperCase()} ${op.path}`;

beforeAll(async () => {
  stack = await startStack('routes');
  ({ h, m, n, g } = stack);
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
      requiredQuery: (op.parameters ?? [])
        .filter((p) => p.in === 'query' && p.required)
        .map((p) => `${p.name}=${encodeURIComponent(plausible(p.schema ?? {}))}`)
        .join('&'),
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

  await gymFixtures(ok);
  await posFixtures(ok);
}

/**
 * The gym's records in branches A and B of t1, made through its API: a member of each branch (A's
 * logs in as t1's client, B's as its professional), a plan priced in both, a membership each paid
 * from the member's wallet with the payer code they show, a weekly class in each branch and a booking
 * in its first class; plus what the records checks change (a member to remove, a coming membership
 * to cancel).
 */
async function gymFixtures(
  ok: (res: { status: number; body: unknown }, what: string) => { data: Record<string, string> },
) {
  const G = '/api/gym/v1';
  const P = '/api/payments/v1';
  const owner = bearer(t1.owner);
  const post = (path: string, body: unknown) =>
    g.agent
      .post(`${G}${path}`)
      .set(owner)
      .set('Idempotency-Key', newKey('fixture'))
      .send(body as object);
  const memberIn = async (branchId: string, userId: string | null, firstName: string) =>
    ok(await post('/members', { branchId, userId, firstName, lastName: 'Fixture' }), `member ${firstName}`)
      .data.id!;
  ids.members = await memberIn(t1.branchId, t1.client.id, 'Ana');
  ids.membersB = await memberIn(branchB, t1.pro.id, 'Beto');
  ids.membersRemovable = await memberIn(t1.branchId, null, 'Carla');
  ids.plans = ok(
    await post('/plans', { name: 'Mensual', kind: 'monthly', freeze: { maxDaysPerYear: 30, minDays: 7 } }),
    'plan',
  ).data.id!;
  for (const branch of [t1.branchId, branchB])
    ok(
      await g.agent
        .put(`${G}/plans/${ids.plans}/prices/${branch}`)
        .set(owner)
        .send({ amount: 1000, currency: 'CLP' }),
      'plan price',
    );
  // B's member pays from the professional's wallet: cash in at B's drawer first.
  const drawerB = ids.drawersB!;
  ok(
    await h.agent
      .post(`${P}/wallets/${t1.pro.id}/deposits`)
      .set(owner)
      .set('Idempotency-Key', newKey('fixture'))
      .send({ amount: 5000, currency: 'CLP', drawerId: drawerB }),
    'deposit for B',
  );
  const payerCode = async (token: string) =>
    ok(await h.agent.post(`${P}/wallets/me/payer-codes`).set(bearer(token)).send({}), 'payer code').data
      .code!;
  const sell = async (memberId: string, branchId: string, body: Record<string, unknown>) =>
    ok(await post('/memberships', { memberId, planId: ids.plans, branchId, ...body }), 'membership').data.id!;
  ids.memberships = await sell(ids.members, t1.branchId, {
    method: 'wallet',
    payerCode: await payerCode(t1.client.token),
  });
  ids.membershipsB = await sell(ids.membersB, branchB, {
    method: 'wallet',
    payerCode: await payerCode(t1.pro.token),
  });
  // A's next month, bought with a MercadoPago checkout nobody pays (pending): the one to cancel.
  ids.membershipsCancellable = await sell(ids.members, t1.branchId, {
    method: 'mercadopago',
    startsOn: new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10),
  });
  const classType = ok(await post('/class-types', { name: 'Yoga' }), 'class type').data.id!;
  // Tomorrow's weekday (Santiago): the first class is within the booking window.
  const tomorrow = new Date(Date.now() + 86_400_000);
  const weekday = ((tomorrow.getUTCDay() + 6) % 7) + 1;
  const schedule = async (branchId: string) =>
    ok(
      await post('/classes', {
        branchId,
        classTypeId: classType,
        weekday,
        startTime: '19:00',
        durationMinutes: 60,
        capacity: 10,
        timeZone: 'America/Santiago',
        startsOn: new Date().toISOString().slice(0, 10),
      }),
      'class',
    ).data.id!;
  ids.classes = await schedule(t1.branchId);
  ids.classesB = await schedule(branchB);
  const firstOf = async (branchId: string) => {
    const from = new Date().toISOString();
    const to = new Date(Date.now() + 8 * 86_400_000).toISOString();
    const list = ok(
      await g.agent.get(`${G}/occurrences?from=${from}&to=${to}&branchId=${branchId}`).set(owner),
      'occurrences',
    ).data as unknown as Array<{ id: string; startsAt: string }>;
    return list.find((o) => new Date(o.startsAt).getTime() > Date.now() + 3_600_000)!.id;
  };
  ids.occurrences = await firstOf(t1.branchId);
  ids.occurrencesB = await firstOf(branchB);
  const booking = async (occurrenceId: string, memberId: string) =>
    ok(await post('/bookings', { occurrenceId, memberId }), 'booking').data.id!;
  ids.bookings = await booking(ids.occurrences, ids.members);
  ids.bookingsB = await booking(ids.occurrencesB, ids.membersB);
  await gymMoreFixtures(ok, post);
}

/**
 * The rest of the gym's records in A and B: a later session of each class (one to cancel, one whose
 * waitlist holds the branch's member: rows, as a full class would write them), check-ins, a product
 * with stock and a sale in each branch, trainers, a routine and a nutrition plan of each member, a
 * photo of A's member.
 */
async function gymMoreFixtures(
  ok: (res: { status: number; body: unknown }, what: string) => { data: Record<string, string> },
  post: (path: string, body: unknown) => ReturnType<GymApi['agent']['post']>,
) {
  const G = '/api/gym/v1';
  const P = '/api/payments/v1';
  const owner = bearer(t1.owner);
  const today = new Date().toISOString().slice(0, 10);
  const sessionsOf = async (branchId: string) => {
    const from = new Date().toISOString();
    const to = new Date(Date.now() + 30 * 86_400_000).toISOString();
    return ok(
      await g.agent.get(`${G}/occurrences?from=${from}&to=${to}&branchId=${branchId}`).set(owner),
      'sessions',
    ).data as unknown as Array<{ id: string }>;
  };
  const [a, b] = [await sessionsOf(t1.branchId), await sessionsOf(branchB)];
  ids.occurrencesLater = a[1]!.id;
  ids.occurrencesLaterB = b[1]!.id;
  ids.occurrencesCancellable = a[2]!.id;
  ids.occurrencesCancellableB = b[2]!.id;
  const waiting = await runWithContext({ tenantId: t1.biz.tenantId }, async () => {
    const em = g.orm.em.fork();
    const entry = (occurrenceId: string, memberId: string, branchId: string) =>
      em.create(WaitlistEntry, { tenantId: t1.biz.tenantId, occurrenceId, memberId, branchId });
    const rows = [
      entry(ids.occurrencesLater!, ids.members!, t1.branchId),
      entry(ids.occurrencesLaterB!, ids.membersB!, branchB),
    ];
    await em.flush();
    return rows.map((r) => r.id);
  });
  [ids.waitlist, ids.waitlistB] = waiting;

  const checkIn = (branchId: string, memberId: string) =>
    post('/reception/check-ins/manual', { branchId, memberId, reason: 'Olvidó el teléfono' });
  ids['check-ins'] = ok(await checkIn(t1.branchId, ids.members!), 'check-in A').data.id!;
  ids['check-insB'] = ok(await checkIn(branchB, ids.membersB!), 'check-in B').data.id!;
  ids.occupancy = t1.branchId;

  ids.products = ok(
    await post('/store/products', {
      sku: 'AGUA-500',
      name: 'Agua',
      category: 'bebidas',
      price: 500,
      currency: 'CLP',
    }),
    'product',
  ).data.id!;
  for (const branchId of [t1.branchId, branchB])
    ok(
      await post(`/store/products/${ids.products}/movements`, { branchId, quantity: 10, reason: 'received' }),
      'stock',
    );
  ok(
    await g.agent
      .post(`${G}/store/products/${ids.products}/images`)
      .set(owner)
      .attach('images', PNG, 'agua.png'),
    'product image',
  );
  const payerCode = async (token: string) =>
    ok(await h.agent.post(`${P}/wallets/me/payer-codes`).set(bearer(token)).send({}), 'payer code').data
      .code!;
  const sale = async (branchId: string, memberId: string, token: string) =>
    ok(
      await post('/store/sales', {
        branchId,
        memberId,
        payerCode: await payerCode(token),
        lines: [{ productId: ids.products, quantity: 1 }],
      }),
      'sale',
    ).data.id!;
  ids.sales = await sale(t1.branchId, ids.members!, t1.client.token);
  ids.salesB = await sale(branchB, ids.membersB!, t1.pro.token);

  const trainerRole = await roleId(h.identity, t1.biz, 'trainer');
  const trainer = async (branchId: string, displayName: string) => {
    const user = await addUser(h.identity, t1.biz, [{ roleId: trainerRole }]);
    return ok(
      await post('/trainers', {
        userId: user.id,
        branchId,
        displayName,
        timeZone: 'America/Santiago',
        availability: [{ weekday: 1, startTime: '06:00', endTime: '12:00' }],
      }),
      `trainer ${displayName}`,
    ).data.id!;
  };
  ids.trainers = await trainer(t1.branchId, 'Diego');
  ids.trainersB = await trainer(branchB, 'Lucía');
  const certification = (trainerId: string) =>
    g.agent
      .post(`${G}/trainers/${trainerId}/certifications`)
      .set(owner)
      .field('name', 'Instructorado')
      .attach('file', PDF, 'cert.pdf');
  ids.certificationsA = ok(await certification(ids.trainers), 'certification A').data.id!;
  ids.certificationsB = ok(await certification(ids.trainersB), 'certification B').data.id!;

  const exercise = ok(
    await post('/exercises', { name: 'Sentadilla', muscleGroups: ['quadriceps'], equipment: 'barbell' }),
    'exercise',
  ).data.id!;
  ids.exercises = exercise;
  ids['routine-templates'] = ok(
    await post('/routine-templates', {
      name: 'Fuerza',
      difficulty: 'beginner',
      days: [{ name: 'Día 1', exercises: [{ exerciseId: exercise, sets: 3, reps: 10 }] }],
    }),
    'routine template',
  ).data.id!;
  const routine = (memberId: string) =>
    post(`/members/${memberId}/routines`, { templateId: ids['routine-templates'], startsOn: today });
  ids['routine-assignments'] = ok(await routine(ids.members!), 'routine A').data.id!;
  ids['routine-assignmentsB'] = ok(await routine(ids.membersB!), 'routine B').data.id!;

  const ingredient = ok(
    await post('/ingredients', {
      name: 'Avena',
      per100g: { kcal: 380, proteinMg: 13_000, carbsMg: 67_000, fatMg: 7_000 },
    }),
    'ingredient',
  ).data.id!;
  ids.nutritionTemplate = ok(
    await post('/nutrition-plans', {
      name: 'Base',
      meals: [{ name: 'Desayuno', items: [{ ingredientId: ingredient, grams: 60 }] }],
    }),
    'nutrition template',
  ).data.id!;
  const assign = (memberId: string) =>
    post(`/nutrition-plans/${ids.nutritionTemplate}/assign`, { memberId, startsOn: today });
  ids['nutrition-plans'] = ok(await assign(ids.members!), 'nutrition plan A').data.id!;
  ids['nutrition-plansB'] = ok(await assign(ids.membersB!), 'nutrition plan B').data.id!;

  const incident = (branchId: string) =>
    post('/incidents', { branchId, title: 'Cinta rota', priority: 'high' });
  ids.incidents = ok(await incident(t1.branchId), 'incident A').data.id!;
  ids.incidentsB = ok(await incident(branchB), 'incident B').data.id!;
  const attached = ok(
    await g.agent
      .post(`${G}/incidents/${ids.incidents}/attachments`)
      .set(owner)
      .attach('files', PNG, 'cinta.png'),
    'incident attachment',
  ).data as unknown as { attachments: Array<{ id: string }> };
  ids.incidentAttachment = attached.attachments[0]!.id;
}

/**
 * The POS's records of t1 through its API: a category, a product with a variant, a modifier group,
 * an image, prices in A and B, the branches' zones; a floor with a table in A and in B.
 */
async function posFixtures(
  ok: (res: { status: number; body: unknown }, what: string) => { data: Record<string, string> },
) {
  const P = `${urls.pos}/api/pos/v1`;
  const call = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${P}${path}`, {
      method,
      headers: { ...bearer(t1.owner), 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  ids['pos/categories'] = ok(await call('POST', '/categories', { name: 'Fondos' }), 'pos category').data.id!;
  ids['pos/products'] = ok(
    await call('POST', '/products', { categoryId: ids['pos/categories'], name: 'Lomo a lo pobre' }),
    'pos product',
  ).data.id!;
  ok(
    await call('POST', `/products/${ids['pos/products']}/variants`, { name: 'XL', priceDelta: 2000 }),
    'pos variant',
  );
  ok(
    await call('POST', `/products/${ids['pos/products']}/modifier-groups`, {
      name: 'Punto',
      minChoices: 1,
      maxChoices: 1,
      modifiers: [{ name: 'A punto' }],
    }),
    'pos modifier group',
  );
  for (const branch of [t1.branchId, branchB]) {
    ok(
      await call('PUT', `/branches/${branch}/products/${ids['pos/products']}`, {
        price: 9900,
        currency: 'CLP',
      }),
      'pos price',
    );
    ok(await call('PUT', `/branches/${branch}/settings`, { timeZone: 'America/Santiago' }), 'pos settings');
  }
  const image = await stack.pos.agent
    .post(`/api/pos/v1/products/${ids['pos/products']}/images`)
    .set(bearer(t1.owner))
    .attach('images', PNG, 'lomo.png');
  ids['pos/posImage'] = (
    ok(image, 'pos image').data as unknown as { images: Array<{ id: string }> }
  ).images[0]!.id;
  const floor = (branchId: string) => call('POST', '/floors', { branchId, name: 'Salón' });
  ids['pos/floors'] = ok(await floor(t1.branchId), 'pos floor A').data.id!;
  ids['pos/floorsB'] = ok(await floor(branchB), 'pos floor B').data.id!;
  const table = (floorId: string) => call('POST', `/floors/${floorId}/tables`, { name: '1', seats: 4 });
  ids['pos/tables'] = ok(await table(ids['pos/floors']), 'pos table A').data.id!;
  ids['pos/tablesB'] = ok(await table(ids['pos/floorsB']), 'pos table B').data.id!;
  // Inventory: an item with stock in A and B (each below its threshold: an alert in each), a
  // transfer A → B, an open count in each branch.
  const moving = async (path: string, body: unknown) => {
    const res = await fetch(`${P}${path}`, {
      method: 'POST',
      headers: { ...bearer(t1.owner), 'Content-Type': 'application/json', 'Idempotency-Key': newKey('pos') },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  ids['pos/items'] = ok(
    await call('POST', '/inventory/items', {
      name: 'Papas',
      baseUnit: 'kg',
      currency: 'CLP',
      lowStockThreshold: '5',
    }),
    'pos inventory item',
  ).data.id!;
  for (const branchId of [t1.branchId, branchB])
    ok(
      await moving(`/inventory/items/${ids['pos/items']}/purchases`, {
        branchId,
        quantity: '3',
        unitCost: 900,
      }),
      'pos purchase',
    );
  ids['pos/transfers'] = ok(
    await moving('/inventory/transfers', {
      itemId: ids['pos/items'],
      fromBranchId: t1.branchId,
      toBranchId: branchB,
      quantity: '1',
    }),
    'pos transfer',
  ).data.id!;
  const count = (branchId: string) => call('POST', '/inventory/counts', { branchId });
  ids['pos/counts'] = ok(await count(t1.branchId), 'pos count A').data.id!;
  ids['pos/countsB'] = ok(await count(branchB), 'pos count B').data.id!;
  // Orders: a dine-in order with a line at the table of A and of B (the variant XL is required).
  const order = async (tableId: string) => {
    const o = ok(
      await call('POST', '/orders', {
        branchId: tableId === ids['pos/tables'] ? t1.branchId : branchB,
        kind: 'dine_in',
        tableId,
        guests: 2,
      }),
      'pos order',
    ).data.id!;
    const withLine = ok(
      await call('POST', `/orders/${o}/lines`, {
        productId: ids['pos/products'],
        variantId: xl,
        modifierIds: [punto],
        quantity: 1,
      }),
      'pos order line',
    ).data as unknown as { lines: Array<{ id: string }> };
    return [o, withLine.lines[0]!.id] as const;
  };
  const products = ok(await call('GET', `/products/${ids['pos/products']}`, undefined), 'pos product')
    .data as unknown as {
    variants: Array<{ id: string }>;
    modifierGroups: Array<{ modifiers: Array<{ id: string }> }>;
  };
  const xl = products.variants[0]!.id;
  const punto = products.modifierGroups[0]!.modifiers[0]!.id;
  [ids['pos/orders'], ids['pos/lines']] = await order(ids['pos/tables']);
  [ids['pos/ordersB'], ids['pos/linesB']] = await order(ids['pos/tablesB']);
  // Kitchen: a default station in A (a printer) and in B (a screen); an order of each branch sent
  // to it (its ticket: `pos/tickets`), and a second one in A whose item the item bump moves.
  const station = (branchId: string, kind: 'printer' | 'screen') =>
    call('POST', '/stations', {
      branchId,
      name: 'Cocina',
      kind,
      isDefault: true,
      ...(kind === 'printer' && { printerAddress: '192.168.0.50:9100' }),
    });
  ids['pos/stations'] = ok(await station(t1.branchId, 'printer'), 'pos station A').data.id!;
  ids['pos/stationsB'] = ok(await station(branchB, 'screen'), 'pos station B').data.id!;
  const sentTicket = async (tableId: string, stationId: string) => {
    const [o] = await order(tableId);
    ok(await call('POST', `/orders/${o}/send`, {}), 'pos send');
    const tickets = ok(
      await call('GET', `/stations/${stationId}/tickets?limit=100`, undefined),
      'pos tickets',
    ).data as unknown as Array<{ id: string; orderId: string; items: Array<{ id: string }> }>;
    return tickets.find((t) => t.orderId === o)!;
  };
  ids['pos/tickets'] = (await sentTicket(ids['pos/tables'], ids['pos/stations'])).id;
  const ticketB = await sentTicket(ids['pos/tablesB'], ids['pos/stationsB']);
  ids['pos/ticketsB'] = ticketB.id;
  ids['pos/ticket-items'] = (await sentTicket(ids['pos/tables'], ids['pos/stations'])).items[0]!.id;
  ids['pos/ticket-itemsB'] = ticketB.items[0]!.id;
  // Nightly cash closures come out of their process (workflows/src/cash-closure): the rows are what
  // its first step writes, for yesterday in A and in B (settings written without their schedule).
  const closureOf = (branchId: string) =>
    runWithContext({ tenantId: t1.biz.tenantId }, async () => {
      const em = stack.pos.orm.em.fork() as unknown as Parameters<typeof setClosureSettings>[0];
      await setClosureSettings(em, branchId, { closingTime: '23:00' });
      return (
        await beginClosure(em, {
          branchId,
          businessDate: '2026-01-15',
          workflowId: `fixture-${randomUUID()}`,
          currency: 'CLP',
          locale: 'es-CL',
        })
      ).closureId;
    });
  ids['pos/closures'] = await closureOf(t1.branchId);
  ids['pos/closuresB'] = await closureOf(branchB);
}

/** The id of t1's record a path parameter names: the collection segment before it. */
function idFor(op: Operation, param: string): string | undefined {
  const segments = op.path.split('/');
  const at = segments.indexOf(`{${param}}`);
  const collection = segments[at - 1] === 'deliveries' ? 'deliveries' : segments[at - 1]!;
  // The POS's records are named `pos/<collection>` (the gym's store has products too).
  return (op.service === 'pos' ? ids[`pos/${collection}`] : undefined) ?? ids[collection];
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

/** A gym request as a holder of `permission` in branch A: its status (and data). */
async function gymAs(permission: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${urls.gym}/api/gym/v1${path}`, {
    method,
    headers: {
      ...bearer(inA.get(permission)!),
      'Content-Type': 'application/json',
      'Idempotency-Key': newKey('records'),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const answer = text ? (JSON.parse(text) as { data?: unknown; errors?: Array<{ message: string }> }) : {};
  return { status: res.status, data: answer.data, error: answer.errors?.[0]?.message };
}
const statusOf = async (p: Promise<{ status: number }>) => (await p).status;
const idsOf = (data: unknown) => (data as Array<{ id: string }>).map((x) => x.id);

/**
 * A records route asked for B's record and then A's, as a holder of `permission` in A: B's is not
 * found (404) and A's is found (whatever its rules then say: 200, 409, 422…, never 403 or 404).
 */
async function scoped(
  permission: string,
  method: string,
  path: (id: string) => string,
  [a, b]: [string | undefined, string | undefined],
  body?: unknown,
  /** A's found, then refused by a rule of the record (a 403 that is not the guard's): its message. */
  refusedA?: RegExp,
) {
  const onB = (await gymAs(permission, method, path(b!), body)).status;
  const onA = await gymAs(permission, method, path(a!), body);
  const found = refusedA
    ? onA.status === 403 && refusedA.test(onA.error ?? '')
    : onA.status < 500 && ![403, 404].includes(onA.status);
  expect({ b: onB, a: found ? 'found' : `${onA.status} ${onA.error ?? JSON.stringify(onA.data)}` }).toEqual({
    b: 404,
    a: 'found',
  });
  return onA;
}
/** A list route as a holder in A: A's record listed, B's not. */
async function listsA(permission: string, path: string, [a, b]: [string | undefined, string | undefined]) {
  const listed = idsOf((await gymAs(permission, 'GET', path)).data);
  expect(listed).toContain(a);
  expect(listed).not.toContain(b);
}

/** A POS request as a holder of `permission` in branch A: its status (and data). */
async function posAs(permission: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${urls.pos}/api/pos/v1${path}`, {
    method,
    headers: {
      ...bearer(inA.get(permission)!),
      'Content-Type': 'application/json',
      'Idempotency-Key': newKey('records'),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const answer = res.headers.get('content-type')?.startsWith('application/json')
    ? (JSON.parse(text) as { data?: unknown })
    : {};
  return { status: res.status, data: answer.data };
}

/**
 * The POS's records routes. The menu is the business's, read by a grant in any branch (A's holder
 * reads it, with A's prices only); floors and tables are their branch's (B's is not found).
 */
function posRecords(): Record<string, () => Promise<void>> {
  /** Evaluated when the case runs (the fixtures come later than this table). */
  const read = (path: () => string) => async () => {
    expect((await posAs('menu.read', 'GET', path())).status).toBe(200);
  };
  const pair = async (
    permission: string,
    method: string,
    path: (id: string) => string,
    [a, b]: [string?, string?],
    body?: unknown,
  ) => {
    const onB = (await posAs(permission, method, path(b!), body)).status;
    const onA = (await posAs(permission, method, path(a!), body)).status;
    expect({ b: onB, a: onA < 300 ? 'found' : onA }).toEqual({ b: 404, a: 'found' });
  };
  const lists = async (path: string, [a, b]: [string?, string?]) => {
    const listed = idsOf((await posAs('floors.read', 'GET', path)).data);
    expect(listed).toContain(a);
    expect(listed).not.toContain(b);
  };
  const stationPair = (permission: string, method: string, path: (id: string) => string, body?: unknown) =>
    pair(permission, method, path, [ids['pos/stations'], ids['pos/stationsB']], body);
  /** Inventory rows as a holder of inventory.read in A: some, all of branch A. */
  const inventoryOfA = async (path: string) => {
    const rows = (await posAs('inventory.read', 'GET', path)).data as Array<{ branchId: string }>;
    expect(rows.length).toBeGreaterThan(0);
    expect([...new Set(rows.map((x) => x.branchId))]).toEqual([t1.branchId]);
  };
  /** B's count is not found; A's is found (once posted or cancelled, a 409 of its state still finds it). */
  const counted = async (
    permission: string,
    method: string,
    path: (id: string) => string,
    body?: unknown,
  ) => {
    const onB = (await posAs(permission, method, path(ids['pos/countsB']!), body)).status;
    const onA = (await posAs(permission, method, path(ids['pos/counts']!), body)).status;
    expect({ b: onB, a: onA < 300 || onA === 409 ? 'found' : onA }).toEqual({ b: 404, a: 'found' });
  };
  /** B's order is not found; A's is found (a 409/422 of its state or of a rule still finds it). */
  const ordered = async (
    permission: string,
    method: string,
    path: (id: string) => string,
    body?: unknown,
  ) => {
    const onB = (await posAs(permission, method, path(ids['pos/ordersB']!), body)).status;
    const onA = (await posAs(permission, method, path(ids['pos/orders']!), body)).status;
    expect({ b: onB, a: onA < 300 || onA === 409 || onA === 422 ? 'found' : onA }).toEqual({
      b: 404,
      a: 'found',
    });
  };
  return {
    'GET /api/pos/v1/closures': async () => {
      const listed = idsOf((await posAs('closures.read', 'GET', '/closures?limit=100')).data);
      expect(listed).toContain(ids['pos/closures']);
      expect(listed).not.toContain(ids['pos/closuresB']);
    },
    'GET /api/pos/v1/closures/{id}': () =>
      pair('closures.read', 'GET', (id) => `/closures/${id}`, [ids['pos/closures'], ids['pos/closuresB']]),
    // A's closure is found (409: it is not waiting for an approval), B's is not.
    'POST /api/pos/v1/closures/{id}/approve': async () => {
      const body = { note: 'ok' };
      const onB = (await posAs('closures.approve', 'POST', `/closures/${ids['pos/closuresB']}/approve`, body))
        .status;
      const onA = (await posAs('closures.approve', 'POST', `/closures/${ids['pos/closures']}/approve`, body))
        .status;
      expect({ b: onB, a: onA }).toEqual({ b: 404, a: 409 });
    },
    // Printing: B's ticket or station is not found; A's is found (an action on a job that has no
    // print process here answers its state, never 404 nor 500).
    ...Object.fromEntries(
      (
        [
          ['GET', 'kitchen/tickets/{id}/print', 'tickets', () => undefined],
          ['POST', 'kitchen/tickets/{id}/print/retry', 'tickets', () => ({})],
          // Read when the case runs: the fixtures' ids are not there when the table is built.
          [
            'POST',
            'kitchen/tickets/{id}/print/reroute',
            'tickets',
            () => ({ stationId: ids['pos/stations'] }),
          ],
          ['POST', 'kitchen/tickets/{id}/print/cancel', 'tickets', () => ({ reason: 'test' })],
          ['GET', 'stations/{id}/printer', 'stations', () => undefined],
          ['POST', 'stations/{id}/printer/reset', 'stations', () => ({})],
        ] as const
      ).map(([method, path, kind, bodyOf]) => [
        `${method} /api/pos/v1/${path}`,
        async () => {
          const body = bodyOf();
          const at = (id: string | undefined) => `/${path.replace('{id}', id!)}`;
          const onB = (await posAs('printing.operate', method, at(ids[`pos/${kind}B`]), body)).status;
          const onA = (await posAs('printing.operate', method, at(ids[`pos/${kind}`]), body)).status;
          expect({ b: onB, a: onA === 404 || onA === 500 ? onA : 'found' }).toEqual({ b: 404, a: 'found' });
        },
      ]),
    ),
    'GET /api/pos/v1/stations': async () => {
      const listed = idsOf((await posAs('kitchen.operate', 'GET', '/stations?limit=100')).data);
      expect(listed).toContain(ids['pos/stations']);
      expect(listed).not.toContain(ids['pos/stationsB']);
    },
    'GET /api/pos/v1/stations/{id}': () => stationPair('kitchen.operate', 'GET', (id) => `/stations/${id}`),
    'PATCH /api/pos/v1/stations/{id}': () =>
      stationPair('stations.manage', 'PATCH', (id) => `/stations/${id}`, { active: true }),
    'PUT /api/pos/v1/stations/{id}/categories': () =>
      stationPair('stations.manage', 'PUT', (id) => `/stations/${id}/categories`, {
        categoryIds: [ids['pos/categories']],
      }),
    'GET /api/pos/v1/stations/{id}/tickets': () =>
      stationPair('kitchen.operate', 'GET', (id) => `/stations/${id}/tickets?limit=100`),
    'GET /api/pos/v1/kitchen/tickets/{id}': () =>
      pair('kitchen.operate', 'GET', (id) => `/kitchen/tickets/${id}`, [
        ids['pos/tickets'],
        ids['pos/ticketsB'],
      ]),
    'POST /api/pos/v1/kitchen/tickets/{id}/bump': () =>
      pair(
        'kitchen.operate',
        'POST',
        (id) => `/kitchen/tickets/${id}/bump`,
        [ids['pos/tickets'], ids['pos/ticketsB']],
        {
          status: 'ready',
        },
      ),
    'POST /api/pos/v1/kitchen/ticket-items/{id}/bump': () =>
      pair(
        'kitchen.operate',
        'POST',
        (id) => `/kitchen/ticket-items/${id}/bump`,
        [ids['pos/ticket-items'], ids['pos/ticket-itemsB']],
        { status: 'preparing' },
      ),
    'GET /api/pos/v1/orders': async () => {
      const listed = idsOf((await posAs('orders.read', 'GET', '/orders?limit=100')).data);
      expect(listed).toContain(ids['pos/orders']);
      expect(listed).not.toContain(ids['pos/ordersB']);
    },
    'GET /api/pos/v1/orders/{id}': () => ordered('orders.read', 'GET', (id) => `/orders/${id}`),
    'GET /api/pos/v1/order-settings': async () => {
      expect((await posAs('orders.read', 'GET', '/order-settings')).status).toBe(200);
    },
    'POST /api/pos/v1/orders/{id}/lines': () =>
      ordered('orders.create', 'POST', (id) => `/orders/${id}/lines`, {
        productId: ids['pos/products'],
        quantity: 1,
      }),
    // A void of A's line is found (409 while its order is open: the line is removed instead), B's is
    // not. Before the DELETE below, which removes A's line.
    'POST /api/pos/v1/orders/{id}/lines/{lineId}/void': async () => {
      const body = { reason: 'prueba' };
      const of = (o: string, l: string) => `/orders/${ids[o]}/lines/${ids[l]}/void`;
      const onB = (await posAs('orders.void', 'POST', of('pos/ordersB', 'pos/linesB'), body)).status;
      const onA = (await posAs('orders.void', 'POST', of('pos/orders', 'pos/lines'), body)).status;
      expect({ b: onB, a: onA < 300 || onA === 409 ? 'found' : onA }).toEqual({ b: 404, a: 'found' });
    },
    'DELETE /api/pos/v1/orders/{id}/lines/{lineId}': async () => {
      const onB = (
        await posAs('orders.create', 'DELETE', `/orders/${ids['pos/ordersB']}/lines/${ids['pos/linesB']}`)
      ).status;
      const onA = (
        await posAs('orders.create', 'DELETE', `/orders/${ids['pos/orders']}/lines/${ids['pos/lines']}`)
      ).status;
      expect({ b: onB, a: onA < 300 || onA === 409 ? 'found' : onA }).toEqual({ b: 404, a: 'found' });
    },
    'POST /api/pos/v1/orders/{id}/send': () => ordered('orders.create', 'POST', (id) => `/orders/${id}/send`),
    'POST /api/pos/v1/orders/{id}/serve': () =>
      ordered('orders.create', 'POST', (id) => `/orders/${id}/serve`),
    'POST /api/pos/v1/orders/{id}/discounts': () =>
      ordered('orders.create', 'POST', (id) => `/orders/${id}/discounts`, { discount: null }),
    'POST /api/pos/v1/orders/{id}/tip': () =>
      ordered('orders.create', 'POST', (id) => `/orders/${id}/tip`, { amount: 0 }),
    'POST /api/pos/v1/orders/{id}/merge': () =>
      ordered('orders.create', 'POST', (id) => `/orders/${id}/merge`, { orderIds: [ids['pos/orders']] }),
    'POST /api/pos/v1/orders/{id}/split': () =>
      ordered('orders.create', 'POST', (id) => `/orders/${id}/split`, { mode: 'even', parts: 2 }),
    'POST /api/pos/v1/orders/{id}/cancel': () =>
      ordered('orders.cancel', 'POST', (id) => `/orders/${id}/cancel`, { reason: 'prueba' }),
    // Order payments: A's is found (its view, or a payment / refund its state refuses: 409, 422).
    'GET /api/pos/v1/orders/{id}/payments': () =>
      ordered('orders.read', 'GET', (id) => `/orders/${id}/payments`),
    'POST /api/pos/v1/orders/{id}/payments': () =>
      ordered('orders.pay', 'POST', (id) => `/orders/${id}/payments`, {
        tenders: [{ method: 'card', amount: 100 }],
      }),
    'POST /api/pos/v1/orders/{id}/refunds': () =>
      ordered('orders.refund', 'POST', (id) => `/orders/${id}/refunds`, { reason: 'prueba' }),
    'GET /api/pos/v1/order-payment-settings': async () => {
      expect((await posAs('orders.read', 'GET', '/order-payment-settings')).status).toBe(200);
    },
    // Reports name their branch in the query (scope query:branchId): A's is read, B's refused by the guard.
    'GET /api/pos/v1/reports/sales': async () => {
      const day = new Date().toISOString().slice(0, 10);
      const of = (branch: string) => `/reports/sales?branchId=${branch}&from=${day}&to=${day}`;
      const onA = await posAs('reports.read', 'GET', of(t1.branchId));
      expect([onA.status, (onA.data as { branchId: string }).branchId]).toEqual([200, t1.branchId]);
      expect((await posAs('reports.read', 'GET', of(branchB))).status).toBe(403);
    },
    'GET /api/pos/v1/reports/sales.csv': async () => {
      const day = new Date().toISOString().slice(0, 10);
      const of = (branch: string) =>
        `/reports/sales.csv?branchId=${branch}&from=${day}&to=${day}&section=summary`;
      expect([
        (await posAs('reports.read', 'GET', of(t1.branchId))).status,
        (await posAs('reports.read', 'GET', of(branchB))).status,
      ]).toEqual([200, 403]);
    },
    'GET /api/pos/v1/categories': read(() => '/categories?limit=100'),
    'GET /api/pos/v1/categories/{id}': read(() => `/categories/${ids['pos/categories']}`),
    'GET /api/pos/v1/products': async () => {
      const listed = (await posAs('menu.read', 'GET', '/products?limit=100')).data as Array<{
        id: string;
        prices: Array<{ branchId: string }>;
      }>;
      const p = listed.find((x) => x.id === ids['pos/products'])!;
      expect(p.prices.map((x) => x.branchId)).toEqual([t1.branchId]);
    },
    'GET /api/pos/v1/products/{id}': read(() => `/products/${ids['pos/products']}`),
    'GET /api/pos/v1/products/{id}/recipe': read(() => `/products/${ids['pos/products']}/recipe`),
    'GET /api/pos/v1/products/{id}/images/{imageId}': read(
      () => `/products/${ids['pos/products']}/images/${ids['pos/posImage']}`,
    ),
    'GET /api/pos/v1/floors': () => lists('/floors?limit=100', [ids['pos/floors'], ids['pos/floorsB']]),
    'GET /api/pos/v1/floors/{id}': () =>
      pair('floors.read', 'GET', (id) => `/floors/${id}`, [ids['pos/floors'], ids['pos/floorsB']]),
    'PATCH /api/pos/v1/floors/{id}': () =>
      pair('floors.manage', 'PATCH', (id) => `/floors/${id}`, [ids['pos/floors'], ids['pos/floorsB']], {
        position: 1,
      }),
    'POST /api/pos/v1/floors/{id}/tables': () =>
      pair('floors.manage', 'POST', (id) => `/floors/${id}/tables`, [ids['pos/floors'], ids['pos/floorsB']], {
        name: 'Barra',
        seats: 2,
      }),
    'GET /api/pos/v1/tables': () => lists('/tables?limit=100', [ids['pos/tables'], ids['pos/tablesB']]),
    'GET /api/pos/v1/tables/{id}': () =>
      pair('floors.read', 'GET', (id) => `/tables/${id}`, [ids['pos/tables'], ids['pos/tablesB']]),
    'PATCH /api/pos/v1/tables/{id}': () =>
      pair('floors.manage', 'PATCH', (id) => `/tables/${id}`, [ids['pos/tables'], ids['pos/tablesB']], {
        seats: 6,
      }),
    // Inventory: the items are the business's catalog; stock, kardex, alerts, transfers and counts their branch's.
    'GET /api/pos/v1/inventory/items': async () => {
      const listed = idsOf((await posAs('inventory.read', 'GET', '/inventory/items?limit=100')).data);
      expect(listed).toContain(ids['pos/items']);
    },
    'GET /api/pos/v1/inventory/items/{id}': async () => {
      expect((await posAs('inventory.read', 'GET', `/inventory/items/${ids['pos/items']}`)).status).toBe(200);
    },
    'GET /api/pos/v1/inventory/items/{id}/movements': () =>
      inventoryOfA(`/inventory/items/${ids['pos/items']}/movements?limit=100`),
    'GET /api/pos/v1/inventory/stock': () => inventoryOfA('/inventory/stock?limit=100'),
    'GET /api/pos/v1/inventory/alerts': () => inventoryOfA('/inventory/alerts?limit=100'),
    'GET /api/pos/v1/inventory/settings': async () => {
      expect((await posAs('inventory.read', 'GET', '/inventory/settings')).status).toBe(200);
    },
    // A transfer is seen from either of its branches (this one goes A → B).
    'GET /api/pos/v1/inventory/transfers/{id}': async () => {
      expect(
        (await posAs('inventory.read', 'GET', `/inventory/transfers/${ids['pos/transfers']}`)).status,
      ).toBe(200);
    },
    'GET /api/pos/v1/inventory/counts': async () => {
      const listed = idsOf((await posAs('inventory.count', 'GET', '/inventory/counts?limit=100')).data);
      expect(listed).toContain(ids['pos/counts']);
      expect(listed).not.toContain(ids['pos/countsB']);
    },
    'GET /api/pos/v1/inventory/counts/{id}': () =>
      counted('inventory.count', 'GET', (id) => `/inventory/counts/${id}`),
    'PUT /api/pos/v1/inventory/counts/{id}/lines': () =>
      counted('inventory.count', 'PUT', (id) => `/inventory/counts/${id}/lines`, {
        lines: [{ itemId: ids['pos/items'], quantity: '2' }],
      }),
    'POST /api/pos/v1/inventory/counts/{id}/post': () =>
      counted('inventory.manage', 'POST', (id) => `/inventory/counts/${id}/post`),
    'POST /api/pos/v1/inventory/counts/{id}/cancel': () =>
      counted('inventory.manage', 'POST', (id) => `/inventory/counts/${id}/cancel`),
  };
}

/** The gym's records routes: B's record is not found, A's is (a change refused by a rule proves it). */
function gymRecords(): Record<string, () => Promise<void>> {
  const get = (permission: string, path: string) => statusOf(gymAs(permission, 'GET', path));
  const post = (permission: string, path: string, body: unknown = {}) =>
    statusOf(gymAs(permission, 'POST', path, body));
  return {
    'GET /api/gym/v1/members': async () => {
      const listed = idsOf((await gymAs('members.read', 'GET', '/members?limit=100')).data);
      expect(listed).toContain(ids.members);
      expect(listed).not.toContain(ids.membersB);
    },
    'GET /api/gym/v1/members/{id}': async () => {
      expect([
        await get('members.read', `/members/${ids.members}`),
        await get('members.read', `/members/${ids.membersB}`),
      ]).toEqual([200, 404]);
    },
    'PATCH /api/gym/v1/members/{id}': async () => {
      const patch = (id: string) =>
        statusOf(gymAs('members.manage', 'PATCH', `/members/${id}`, { phone: '+56 9 1234' }));
      expect([await patch(ids.membersB!), await patch(ids.members!)]).toEqual([404, 200]);
    },
    'DELETE /api/gym/v1/members/{id}': async () => {
      const remove = (id: string) => statusOf(gymAs('members.manage', 'DELETE', `/members/${id}`));
      expect([await remove(ids.membersB!), await remove(ids.membersRemovable!)]).toEqual([404, 204]);
    },
    'GET /api/gym/v1/members/{id}/health': async () => {
      expect([
        await get('members.health', `/members/${ids.members}/health`),
        await get('members.health', `/members/${ids.membersB}/health`),
      ]).toEqual([200, 404]);
    },
    'PUT /api/gym/v1/members/{id}/health': async () => {
      const put = (id: string) =>
        statusOf(gymAs('members.health', 'PUT', `/members/${id}/health`, { healthNotes: 'Asma leve' }));
      expect([await put(ids.membersB!), await put(ids.members!)]).toEqual([404, 200]);
    },
    'GET /api/gym/v1/members/{id}/memberships': async () => {
      const a = await gymAs('members.read', 'GET', `/members/${ids.members}/memberships`);
      expect(idsOf(a.data)).toContain(ids.memberships);
      expect(await get('members.read', `/members/${ids.membersB}/memberships`)).toBe(404);
    },
    'GET /api/gym/v1/memberships/{id}': async () => {
      expect([
        await get('members.read', `/memberships/${ids.memberships}`),
        await get('members.read', `/memberships/${ids.membershipsB}`),
      ]).toEqual([200, 404]);
    },
    'GET /api/gym/v1/memberships/{id}/events': async () => {
      expect([
        await get('members.read', `/memberships/${ids.memberships}/events`),
        await get('members.read', `/memberships/${ids.membershipsB}/events`),
      ]).toEqual([200, 404]);
    },
    'POST /api/gym/v1/memberships/{id}/pause': async () => {
      // A's is found: a day's freeze is under the plan's 7-day minimum (422); B's is not found.
      const pause = (id: string, days: number) =>
        post('members.manage', `/memberships/${id}/pause`, { days });
      expect([await pause(ids.membershipsB!, 7), await pause(ids.memberships!, 1)]).toEqual([404, 422]);
    },
    'POST /api/gym/v1/memberships/{id}/resume': async () => {
      // A's is found but has no freeze to end (409); B's is not found.
      const resume = (id: string) => post('members.manage', `/memberships/${id}/resume`);
      expect([await resume(ids.membershipsB!), await resume(ids.memberships!)]).toEqual([404, 409]);
    },
    'POST /api/gym/v1/memberships/{id}/cancel': async () => {
      const cancel = (id: string) => post('members.manage', `/memberships/${id}/cancel`, { reason: 'scope' });
      expect([await cancel(ids.membershipsB!), await cancel(ids.membershipsCancellable!)]).toEqual([
        404, 200,
      ]);
    },
    'POST /api/gym/v1/classes/{id}/occurrences': async () => {
      const more = (id: string) => post('classes.manage', `/classes/${id}/occurrences`, { weeks: 9 });
      expect([await more(ids.classesB!), await more(ids.classes!)]).toEqual([404, 200]);
    },
    'GET /api/gym/v1/occurrences/{id}/bookings': async () => {
      const a = await gymAs('members.read', 'GET', `/occurrences/${ids.occurrences}/bookings`);
      expect(idsOf(a.data)).toEqual([ids.bookings]);
      expect(await get('members.read', `/occurrences/${ids.occurrencesB}/bookings`)).toBe(404);
    },
    'POST /api/gym/v1/bookings/{id}/cancel': async () => {
      const cancel = (id: string) => post('members.manage', `/bookings/${id}/cancel`);
      expect([await cancel(ids.bookingsB!), await cancel(ids.bookings!)]).toEqual([404, 200]);
    },
    // Renewals.
    'POST /api/gym/v1/memberships/{id}/cancel-at-period-end': () =>
      scoped('members.manage', 'POST', (id) => `/memberships/${id}/cancel-at-period-end`, [
        ids.memberships,
        ids.membershipsB,
      ]).then(() => undefined),
    'GET /api/gym/v1/memberships/{id}/renewal': () =>
      scoped('members.read', 'GET', (id) => `/memberships/${id}/renewal`, [
        ids.memberships,
        ids.membershipsB,
      ]).then(() => undefined),
    // A's is found but has no pending refund (409); B's is not found.
    'POST /api/gym/v1/memberships/{id}/renewal/retry-refund': () =>
      scoped('payments.refund', 'POST', (id) => `/memberships/${id}/renewal/retry-refund`, [
        ids.memberships,
        ids.membershipsB,
      ]).then(() => undefined),
    // Reception.
    'GET /api/gym/v1/reception/check-ins': () =>
      listsA('checkins.read', '/reception/check-ins?limit=100', [ids['check-ins'], ids['check-insB']]),
    'GET /api/gym/v1/reception/check-ins/{id}': () =>
      scoped('checkins.read', 'GET', (id) => `/reception/check-ins/${id}`, [
        ids['check-ins'],
        ids['check-insB'],
      ]).then(() => undefined),
    // Store: products are the business's (every branch sees them); stock, kardex and sales are a branch's.
    'GET /api/gym/v1/store/products': async () => {
      expect(idsOf((await gymAs('store.read', 'GET', '/store/products?limit=100')).data)).toContain(
        ids.products,
      );
    },
    'GET /api/gym/v1/store/products/{id}': async () => {
      expect((await gymAs('store.read', 'GET', `/store/products/${ids.products}`)).status).toBe(200);
    },
    'GET /api/gym/v1/store/products/{id}/images/{imageId}': async () => {
      const product = (await gymAs('store.read', 'GET', `/store/products/${ids.products}`)).data as {
        images: Array<{ id: string }>;
      };
      const image = await fetch(
        `${urls.gym}/api/gym/v1/store/products/${ids.products}/images/${product.images[0]!.id}`,
        {
          headers: bearer(inA.get('store.read')!),
        },
      );
      expect(image.status).toBe(200);
    },
    'GET /api/gym/v1/store/products/{id}/stock': async () => {
      const stock = (await gymAs('store.read', 'GET', `/store/products/${ids.products}/stock`))
        .data as Array<{
        branchId: string;
      }>;
      expect(stock.map((x) => x.branchId)).toEqual([t1.branchId]);
    },
    'GET /api/gym/v1/store/products/{id}/movements': async () => {
      const kardex = (await gymAs('store.read', 'GET', `/store/products/${ids.products}/movements?limit=100`))
        .data as Array<{ branchId: string }>;
      expect(kardex.length).toBeGreaterThan(0);
      expect(new Set(kardex.map((x) => x.branchId))).toEqual(new Set([t1.branchId]));
    },
    'GET /api/gym/v1/store/sales': () =>
      listsA('store.sell', '/store/sales?limit=100', [ids.sales, ids.salesB]),
    'GET /api/gym/v1/store/sales/{id}': () =>
      scoped('store.sell', 'GET', (id) => `/store/sales/${id}`, [ids.sales, ids.salesB]).then(
        () => undefined,
      ),
    // Waitlist, class changes, attendance.
    'GET /api/gym/v1/occurrences/{id}/waitlist': async () => {
      const a = await gymAs('members.read', 'GET', `/occurrences/${ids.occurrencesLater}/waitlist`);
      expect(idsOf(a.data)).toEqual([ids.waitlist]);
      expect(
        (await gymAs('members.read', 'GET', `/occurrences/${ids.occurrencesLaterB}/waitlist`)).status,
      ).toBe(404);
    },
    'GET /api/gym/v1/waitlist/{id}': () =>
      scoped('members.read', 'GET', (id) => `/waitlist/${id}`, [ids.waitlist, ids.waitlistB]).then(
        () => undefined,
      ),
    'POST /api/gym/v1/waitlist/{id}/accept': () =>
      scoped('members.manage', 'POST', (id) => `/waitlist/${id}/accept`, [ids.waitlist, ids.waitlistB]).then(
        () => undefined,
      ),
    'POST /api/gym/v1/waitlist/{id}/decline': () =>
      scoped('members.manage', 'POST', (id) => `/waitlist/${id}/decline`, [ids.waitlist, ids.waitlistB]).then(
        () => undefined,
      ),
    'POST /api/gym/v1/waitlist/{id}/leave': () =>
      scoped('members.manage', 'POST', (id) => `/waitlist/${id}/leave`, [ids.waitlist, ids.waitlistB]).then(
        () => undefined,
      ),
    'POST /api/gym/v1/occurrences/{id}/cancel': () =>
      scoped(
        'classes.manage',
        'POST',
        (id) => `/occurrences/${id}/cancel`,
        [ids.occurrencesCancellable, ids.occurrencesCancellableB],
        { reason: 'Feriado' },
      ).then(() => undefined),
    'PUT /api/gym/v1/occurrences/{id}/capacity': () =>
      scoped(
        'classes.manage',
        'PUT',
        (id) => `/occurrences/${id}/capacity`,
        [ids.occurrences, ids.occurrencesB],
        {
          capacity: 12,
        },
      ).then(() => undefined),
    'POST /api/gym/v1/bookings/{id}/check-in': () =>
      scoped('checkins.create', 'POST', (id) => `/bookings/${id}/check-in`, [
        ids.bookings,
        ids.bookingsB,
      ]).then(() => undefined),
    'POST /api/gym/v1/bookings/{id}/penalty/charge': () =>
      scoped(
        'members.manage',
        'POST',
        (id) => `/bookings/${id}/penalty/charge`,
        [ids.bookings, ids.bookingsB],
        {
          payerCode: '12345678',
        },
      ).then(() => undefined),
    // Trainers (their home branch).
    'PATCH /api/gym/v1/trainers/{id}': () =>
      scoped('trainers.manage', 'PATCH', (id) => `/trainers/${id}`, [ids.trainers, ids.trainersB], {
        bio: 'Funcional',
      }).then(() => undefined),
    'PUT /api/gym/v1/trainers/{id}/availability': () =>
      scoped(
        'trainers.manage',
        'PUT',
        (id) => `/trainers/${id}/availability`,
        [ids.trainers, ids.trainersB],
        {
          windows: [{ weekday: 1, startTime: '06:00', endTime: '12:00' }],
        },
      ).then(() => undefined),
    // Multipart: B's trainer is not found before the upload is read; A's is (a JSON body is then refused).
    'POST /api/gym/v1/trainers/{id}/certifications': () =>
      scoped('trainers.manage', 'POST', (id) => `/trainers/${id}/certifications`, [
        ids.trainers,
        ids.trainersB,
      ]).then(() => undefined),
    'DELETE /api/gym/v1/trainers/{id}/certifications/{certificationId}': async () => {
      const remove = (trainer: string, certification: string) =>
        statusOf(gymAs('trainers.manage', 'DELETE', `/trainers/${trainer}/certifications/${certification}`));
      expect([
        await remove(ids.trainersB!, ids.certificationsB!),
        await remove(ids.trainers!, ids.certificationsA!),
      ]).toEqual([404, 204]);
    },
    'PUT /api/gym/v1/occurrences/{id}/trainer': () =>
      scoped(
        'trainers.manage',
        'PUT',
        (id) => `/occurrences/${id}/trainer`,
        [ids.occurrences, ids.occurrencesB],
        {
          trainerId: null,
        },
      ).then(() => undefined),
    'PUT /api/gym/v1/classes/{id}/trainer': () =>
      scoped('trainers.manage', 'PUT', (id) => `/classes/${id}/trainer`, [ids.classes, ids.classesB], {
        trainerId: null,
      }).then(() => undefined),
    // Routines (the member's branch).
    'POST /api/gym/v1/members/{id}/routines': () =>
      scoped('routines.manage', 'POST', (id) => `/members/${id}/routines`, [ids.members, ids.membersB], {
        templateId: ids['routine-templates'],
        startsOn: new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10),
      }).then(() => undefined),
    'GET /api/gym/v1/members/{id}/routines': () =>
      scoped('routines.manage', 'GET', (id) => `/members/${id}/routines`, [ids.members, ids.membersB]).then(
        () => undefined,
      ),
    'GET /api/gym/v1/members/{id}/workouts': () =>
      scoped('routines.manage', 'GET', (id) => `/members/${id}/workouts`, [ids.members, ids.membersB]).then(
        () => undefined,
      ),
    'GET /api/gym/v1/members/{id}/progress': () =>
      scoped('routines.manage', 'GET', (id) => `/members/${id}/progress`, [ids.members, ids.membersB]).then(
        () => undefined,
      ),
    'GET /api/gym/v1/routine-assignments/{id}': () =>
      scoped('routines.manage', 'GET', (id) => `/routine-assignments/${id}`, [
        ids['routine-assignments'],
        ids['routine-assignmentsB'],
      ]).then(() => undefined),
    'POST /api/gym/v1/routine-assignments/{id}/workouts': () =>
      scoped(
        'routines.manage',
        'POST',
        (id) => `/routine-assignments/${id}/workouts`,
        [ids['routine-assignments'], ids['routine-assignmentsB']],
        {
          performedOn: new Date().toISOString().slice(0, 10),
          dayIndex: 0,
          sets: [{ exerciseId: ids.exercises, reps: 10, weightGrams: 20_000 }],
        },
        // The holder in A is not the member's trainer on it (the owner assigned it).
        /member's trainer/,
      ).then(() => undefined),
    'POST /api/gym/v1/routine-assignments/{id}/end': () =>
      scoped(
        'routines.manage',
        'POST',
        (id) => `/routine-assignments/${id}/end`,
        [ids['routine-assignments'], ids['routine-assignmentsB']],
        {},
        /member's trainer/,
      ).then(() => undefined),
    // Nutrition (a member's plan is their branch's; templates are the business's).
    'GET /api/gym/v1/nutrition-plans/{id}': () =>
      scoped('nutrition.manage', 'GET', (id) => `/nutrition-plans/${id}`, [
        ids['nutrition-plans'],
        ids['nutrition-plansB'],
      ]).then(() => undefined),
    'PATCH /api/gym/v1/nutrition-plans/{id}': () =>
      scoped(
        'nutrition.manage',
        'PATCH',
        (id) => `/nutrition-plans/${id}`,
        [ids['nutrition-plans'], ids['nutrition-plansB']],
        { description: 'Menos hidratos' },
      ).then(() => undefined),
    'POST /api/gym/v1/nutrition-plans/{id}/assign': async () => {
      const assign = (memberId: string) =>
        statusOf(
          gymAs('nutrition.manage', 'POST', `/nutrition-plans/${ids.nutritionTemplate}/assign`, {
            memberId,
            startsOn: new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10),
          }),
        );
      expect([await assign(ids.membersB!), await assign(ids.members!)]).toEqual([404, 201]);
    },
    'GET /api/gym/v1/members/{id}/nutrition-plans': () =>
      listsA('nutrition.manage', `/members/${ids.members}/nutrition-plans`, [
        ids['nutrition-plans'],
        ids['nutrition-plansB'],
      ]).then(async () => {
        expect(
          (await gymAs('nutrition.manage', 'GET', `/members/${ids.membersB}/nutrition-plans`)).status,
        ).toBe(404);
      }),
    // Photos (multipart: B's member is not found before the upload is read).
    'PUT /api/gym/v1/members/{id}/photo': async () => {
      const put = (id: string) =>
        g.agent
          .put(`/api/gym/v1/members/${id}/photo`)
          .set(bearer(inA.get('members.manage')!))
          .attach('photo', PNG, 'ana.png');
      expect([(await put(ids.membersB!)).status, (await put(ids.members!)).status]).toEqual([404, 200]);
    },
    'GET /api/gym/v1/members/{id}/photo': async () => {
      const get = (id: string) =>
        fetch(`${urls.gym}/api/gym/v1/members/${id}/photo`, { headers: bearer(inA.get('members.read')!) });
      expect([(await get(ids.membersB!)).status, (await get(ids.members!)).status]).toEqual([404, 200]);
    },
    // Incidents (their branch's); the SLAs are the business's.
    'GET /api/gym/v1/incidents': () =>
      listsA('incidents.read', '/incidents?limit=100', [ids.incidents, ids.incidentsB]),
    'GET /api/gym/v1/incidents/{id}': () =>
      scoped('incidents.read', 'GET', (id) => `/incidents/${id}`, [ids.incidents, ids.incidentsB]).then(
        () => undefined,
      ),
    'POST /api/gym/v1/incidents/{id}/assign': () =>
      scoped('incidents.manage', 'POST', (id) => `/incidents/${id}/assign`, [ids.incidents, ids.incidentsB], {
        assigneeId: t1.biz.ownerId,
      }).then(() => undefined),
    'POST /api/gym/v1/incidents/{id}/acknowledge': () =>
      scoped('incidents.manage', 'POST', (id) => `/incidents/${id}/acknowledge`, [
        ids.incidents,
        ids.incidentsB,
      ]).then(() => undefined),
    // Its reporter (or incidents.manage) attaches: the holder in A reports one in A and attaches to
    // it; B's (the owner's) is not found before the upload is read.
    'POST /api/gym/v1/incidents/{id}/attachments': async () => {
      const own = await gymAs('incidents.report', 'POST', '/incidents', {
        branchId: t1.branchId,
        title: 'Ducha sin agua caliente',
        priority: 'medium',
      });
      expect(own.status).toBe(201);
      const attach = (id: string) =>
        g.agent
          .post(`/api/gym/v1/incidents/${id}/attachments`)
          .set(bearer(inA.get('incidents.report')!))
          .attach('files', PNG, 'foto.png');
      const ownId = (own.data as { id: string }).id;
      expect([(await attach(ids.incidentsB!)).status, (await attach(ownId)).status]).toEqual([404, 201]);
    },
    'GET /api/gym/v1/incidents/{id}/attachments/{attachmentId}': async () => {
      const get = (incident: string) =>
        fetch(`${urls.gym}/api/gym/v1/incidents/${incident}/attachments/${ids.incidentAttachment}`, {
          headers: bearer(inA.get('incidents.read')!),
        });
      expect([(await get(ids.incidentsB!)).status, (await get(ids.incidents!)).status]).toEqual([404, 200]);
    },
    'POST /api/gym/v1/incidents/{id}/resolve': () =>
      scoped(
        'incidents.manage',
        'POST',
        (id) => `/incidents/${id}/resolve`,
        [ids.incidents, ids.incidentsB],
        {
          resolution: 'Cinta cambiada',
        },
      ).then(() => undefined),
    'GET /api/gym/v1/incident-settings': async () => {
      expect((await gymAs('incidents.read', 'GET', '/incident-settings')).status).toBe(200);
    },
    // After A's booking was cancelled (above): A's member books A's class again; B's class and B's member are not found.
    'POST /api/gym/v1/bookings': async () => {
      const book = (occurrenceId: string, memberId: string) =>
        post('members.manage', '/bookings', { occurrenceId, memberId });
      expect([
        await book(ids.occurrencesB!, ids.members!),
        await book(ids.occurrences!, ids.membersB!),
        await book(ids.occurrences!, ids.members!),
      ]).toEqual([404, 404, 201]);
    },
  };
}

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
    ...gymRecords(),
    ...posRecords(),
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
  }, 240_000);

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
      const res = await send(op, { token: t2.owner, params, body: {}, query: op.requiredQuery });
      cases++;
      // Not found; or, where the body is checked before the record is looked up, refused as input:
      // either way nothing of t1's is shown or changed.
      // A branch in the path is identity's: another business's is refused like any unknown reference (422).
      const allowed = ['get', 'delete'].includes(op.method) && first !== 'branchId' ? [404] : [404, 400, 422];
      if (!allowed.includes(res.status))
        wrong.push(`${label(op)}: ${res.status} ${(await res.text()).slice(0, 200)}`);
    }
    report(`cross-tenant ids: ${cases} cases`);
    expect(wrong).toEqual([]);
  }, 120_000);
});
