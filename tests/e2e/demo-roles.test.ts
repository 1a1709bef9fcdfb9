/**
 * The demo, walked as every demo user (issue 13, item 8; the gym's roles, issue 16): after `make
 * dev`'s seeds (identity's seed.ts, then gym's, run as dev.sh runs them against the same database;
 * payments, marketplace and notifications have no seed, so what a role needs there is created
 * through the API the way the demo owner would), every user of every demo tenant (DEMO_TENANTS ×
 * rolesOf, never a hand list) logs in, `GET /auth/me` shows its role's permissions, and it performs
 * its role's main action among the features that exist, over real HTTP against identity, payments
 * (+ its MercadoPago sandbox), marketplace, notifications and gym. The gym's staff roles exist in
 * every kind of business: in zentro-gym they work its seeded gym; elsewhere the gym's API answers
 * them their own, empty, front desk (none of zentro-gym's members: tenant isolation).
 *
 * ROLES below says, per role, that action — or, for roles whose service does not exist yet, the
 * permissions it will use (asserted granted) and the action that service will add. A role of a
 * demo tenant with no entry fails the suite: a new role, or a new service's action, extends ROLES.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { serve, type RunningServer } from '@faena/platform';
import { captureLogger, testDatabaseUrl } from '@faena/platform/testing';
import { DEMO_PASSWORD, DEMO_TENANTS, demoEmail, rolesOf } from '../../services/identity/src/demo.ts';
import { SYSTEM_ROLES } from '../../services/identity/src/domain/system-roles.ts';
import {
  SERVICE_TOKEN,
  startNotifications,
  startSmtp,
  type Harness as Notifications,
  type Smtp,
} from '../../services/notifications/test/harness.ts';
import { newKey, startPayments, type PaymentsHarness } from '../../services/payments/test/harness.ts';
import { CLASSES, DEMO_GYM, MEMBERS } from '../../services/gym/src/demo.ts';
import { todayIn } from '../../services/gym/src/domain/dates.ts';
import { startGymApi, type GymApi } from '../../services/gym/test/harness.ts';
import { startMarketplaceApi, type MarketplaceApi } from './marketplace.ts';

const run = promisify(execFile);
const SEED = path.resolve(import.meta.dirname, '../../services/identity/src/seed.ts');
const GYM_SEED = path.resolve(import.meta.dirname, '../../services/gym/src/seed.ts');

type DemoTenant = (typeof DEMO_TENANTS)[number];
type Service = 'identity' | 'payments' | 'marketplace' | 'notifications' | 'gym';
const BASE: Record<Service, string> = {
  identity: '/api/identity/v1',
  payments: '/api/payments/v1',
  marketplace: '/api/marketplace/v1',
  notifications: '/api/notifications/v1',
  gym: '/api/gym/v1',
};

let h: PaymentsHarness;
let m: MarketplaceApi;
let smtp: Smtp;
let n: Notifications;
let nServer: RunningServer;
let g: GymApi;
const urls = {} as Record<Service, string>;

interface Answer {
  status: number;
  // The envelope's data is whatever the route answers; each action asserts what it reads.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: { data?: any; meta?: Record<string, unknown>; error?: { code: string; message: string } };
}

/** One request over HTTP to a served API, as a client app sends it. */
async function api(
  service: Service,
  method: string,
  route: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await fetch(`${urls[service]}${BASE[service]}${route}`, {
    method,
    headers: {
      ...(opts.token && { Authorization: `Bearer ${opts.token}` }),
      ...(opts.body !== undefined && { 'Content-Type': 'application/json' }),
      ...(['POST', 'PUT', 'PATCH'].includes(method) && { 'Idempotency-Key': newKey('demo') }),
      ...opts.headers,
    },
    ...(opts.body !== undefined && { body: JSON.stringify(opts.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Answer['body']) : {} };
}

/** Fails with the answer when its status is not the expected one (the message names the call). */
function expectStatus(res: Answer, status: number, what: string) {
  if (res.status !== status)
    throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
}

interface Session {
  role: string;
  email: string;
  id: string;
  token: string;
  /** permission → branches ('*' for all), as GET /auth/me answers it */
  permissions: Record<string, string[]>;
}

/** What one tenant's walk shares between its users (ids the owner creates, the offer the client answers). */
interface Walk {
  t: DemoTenant;
  users: Map<string, Session>;
  branches?: { centro: string; norte: string };
  /** The cashier's cash sale and wallet deposit (the manager and the client read them). */
  sale?: string;
  deposit?: { id: string; amount: number };
}

interface Ctx {
  walk: Walk;
  me: Session;
  user: (role: string) => Session;
}

type Entry =
  | { action: string; run: (c: Ctx) => Promise<void> }
  /** The role's service is not built: the permissions it will use, asserted granted, and what it will do. */
  | { action: string; pending: string; permissions: string[] };

const MONEY = 12_500;

/** What an earlier role's action left for this one (its failure is named, not a TypeError). */
function from<T>(value: T | undefined, action: string): T {
  if (value === undefined) throw new Error(`needs ${action}, which did not run`);
  return value;
}

/** kcal and macros (milligrams) as the gym's nutrition answers them. */
interface Macros {
  kcal: number;
  proteinMg: number;
  carbsMg: number;
  fatMg: number;
}

/** The seeded gym member who logs in as the demo client (services/gym/src/demo.ts). */
const DEMO_MEMBER = MEMBERS.find((x) => x.user === 'client')!;
const memberSearch = `/members?q=${encodeURIComponent(DEMO_MEMBER.lastName)}&limit=100`;
/** `from` and `to` of the coming seven days (the class calendar's query). */
const thisWeek = () =>
  new URLSearchParams({
    from: new Date().toISOString(),
    to: new Date(Date.now() + 7 * 86_400_000).toISOString(),
  }).toString();

/** Staff find the demo client's gym member by search (the front desk's search box). */
async function demoMember(staff: Session, client: Session) {
  const found = await api('gym', 'GET', memberSearch, { token: staff.token });
  expectStatus(found, 200, 'GET /members?q=');
  const member = (
    found.body.data as Array<{ id: string; userId: string | null; branchId: string; lastName: string }>
  ).find((x) => x.userId === client.id);
  expect(member).toMatchObject({ firstName: DEMO_MEMBER.firstName, lastName: DEMO_MEMBER.lastName });
  return member!;
}

/**
 * A gym role in a business that is not a gym: the gym's API answers it over HTTP with its own,
 * empty, gym (`route`'s list is empty: none of zentro-gym's records).
 */
const emptyGym = (action: string, route: () => string): Entry => ({
  action: `in a business without a gym, ${action} (none of ${DEMO_GYM}'s)`,
  run: async ({ me }) => {
    const res = await api('gym', 'GET', route(), { token: me.token });
    expectStatus(res, 200, `GET ${route()}`);
    expect(res.body.data).toEqual([]);
  },
});

/**
 * Role → its main action among the features that exist. `<kind>:<role>` overrides a role for one
 * kind of tenant. The walk of a tenant follows this order (the owner opens the branches the cashier
 * works in, the cashier's sale is what the manager and the client read, the professional's profile
 * is what the admin's KYC review approves).
 */
const ROLES: Record<string, Entry> = {
  'platform:owner': {
    action: 'lists every business and opens one (platform operators)',
    run: async ({ me }) => {
      const list = await api('identity', 'GET', '/tenants?limit=100', { token: me.token });
      expectStatus(list, 200, 'GET /tenants');
      const slugs = (list.body.data as Array<{ slug: string }>).map((x) => x.slug);
      for (const t of DEMO_TENANTS) expect(slugs).toContain(t.slug);
      const zentro = (list.body.data as Array<{ id: string; slug: string }>).find(
        (x) => x.slug === 'zentro-gym',
      )!;
      const one = await api('identity', 'GET', `/tenants/${zentro.id}`, { token: me.token });
      expectStatus(one, 200, 'GET /tenants/:id');
      expect(one.body.data.slug).toBe('zentro-gym');
    },
  },
  owner: {
    action:
      'opens two branches, puts the cashier at one of them and registers MercadoPago (sandbox) for the business',
    run: async ({ walk, me, user }) => {
      const branch = async (name: string) => {
        const res = await api('identity', 'POST', '/branches', {
          token: me.token,
          body: {
            name,
            timeZone: walk.t.timeZone,
            address: { line1: `${name} 100`, city: 'Demo', country: 'AR' },
          },
        });
        expectStatus(res, 201, `POST /branches ${name}`);
        return res.body.data.id as string;
      };
      walk.branches = { centro: await branch('Centro'), norte: await branch('Norte') };
      const roles = await api('identity', 'GET', '/roles?q=cashier&limit=100', { token: me.token });
      expectStatus(roles, 200, 'GET /roles');
      const cashierRole = (roles.body.data as Array<{ id: string; name: string }>).find(
        (r) => r.name === 'cashier',
      )!;
      const cashier = user('cashier');
      const scoped = await api('identity', 'PUT', `/users/${cashier.id}/roles`, {
        token: me.token,
        body: { roles: [{ roleId: cashierRole.id, branchId: walk.branches.centro }] },
      });
      expectStatus(scoped, 200, 'PUT /users/:id/roles');
      const account = await fetch(`${h.sandbox.url}/sandbox/accounts`, { method: 'POST' });
      expect(account.status).toBeLessThan(300);
      const configured = await api('payments', 'PUT', '/providers/mercadopago', {
        token: me.token,
        body: (await account.json()) as { accessToken: string; webhookSecret: string },
      });
      expectStatus(configured, 204, 'PUT /providers/mercadopago');
    },
  },
  cashier: {
    action:
      "takes a cash sale and a wallet top-up at its branch's drawer (201) and is refused another branch (403)",
    run: async ({ walk, me, user }) => {
      const { centro, norte } = from(walk.branches, "the owner's branches");
      // Its grant is now Centro's only (the owner's action): the next request sees it.
      const meNow = await api('identity', 'GET', '/auth/me', { token: me.token });
      expect(meNow.body.data.permissions['payments.create']).toEqual([centro]);
      const client = user('client');
      // Cash goes into a drawer with an open cash session (opened by the owner, in each branch).
      const drawerOf = async (branchId: string, name: string) => {
        const owner = user('owner');
        const drawer = await api('payments', 'POST', '/drawers', {
          token: owner.token,
          body: { branchId, name },
        });
        expectStatus(drawer, 201, 'POST /drawers');
        const opened = await api('payments', 'POST', `/drawers/${drawer.body.data.id as string}/sessions`, {
          token: owner.token,
          body: { openingFloat: 0, currency: walk.t.currency },
        });
        expectStatus(opened, 201, 'POST /drawers/:id/sessions');
        return drawer.body.data.id as string;
      };
      const drawers = {
        [centro]: await drawerOf(centro, 'Caja Centro'),
        [norte]: await drawerOf(norte, 'Caja Norte'),
      };
      const sale = (branchId: string) =>
        api('payments', 'POST', '/payments', {
          token: me.token,
          body: {
            amount: MONEY,
            currency: walk.t.currency,
            method: 'cash',
            payerId: client.id,
            branchId,
            drawerId: drawers[branchId],
            purpose: 'sale',
            reference: `demo ticket ${walk.t.slug}`,
          },
        });
      const taken = await sale(centro);
      expectStatus(taken, 201, 'POST /payments (own branch)');
      expect(taken.body.data).toMatchObject({ method: 'cash', status: 'captured', branchId: centro });
      walk.sale = taken.body.data.id as string;
      const refused = await sale(norte);
      expectStatus(refused, 403, 'POST /payments (another branch)');
      const topUp = await api('payments', 'POST', `/wallets/${client.id}/deposits`, {
        token: me.token,
        body: { amount: MONEY, currency: walk.t.currency, branchId: centro, drawerId: drawers[centro] },
      });
      expectStatus(topUp, 201, 'POST /wallets/:userId/deposits');
      walk.deposit = { id: topUp.body.data.id as string, amount: MONEY };
      const other = await api('payments', 'POST', `/wallets/${client.id}/deposits`, {
        token: me.token,
        body: { amount: MONEY, currency: walk.t.currency, branchId: norte, drawerId: drawers[norte] },
      });
      expectStatus(other, 403, 'POST /wallets/:userId/deposits (another branch)');
    },
  },
  manager: {
    action: "reads the day's payments and the branch's cash drawer in the ledger",
    run: async ({ walk, me }) => {
      const payments = await api('payments', 'GET', '/payments?method=cash&limit=100', { token: me.token });
      expectStatus(payments, 200, 'GET /payments');
      const ids = (payments.body.data as Array<{ id: string }>).map((p) => p.id);
      expect(ids).toEqual(
        expect.arrayContaining([
          from(walk.sale, "the cashier's sale"),
          from(walk.deposit, "the cashier's top-up").id,
        ]),
      );
      const accounts = await api('payments', 'GET', '/accounts', { token: me.token });
      expectStatus(accounts, 200, 'GET /accounts');
      const drawer = (
        accounts.body.data as Array<{ kind: string; branchId: string | null; balance: string }>
      ).find(
        (a) => a.kind === 'cash_drawer' && a.branchId === from(walk.branches, "the owner's branches").centro,
      );
      // Centro's drawer took the sale and the top-up: the platform's side of cash is a debit balance.
      expect(Math.abs(Number(drawer?.balance))).toBe(2 * MONEY);
    },
  },
  professional: {
    action: 'creates and edits its marketplace profile (KYC starts pending)',
    run: async ({ walk, me }) => {
      const created = await api('marketplace', 'POST', '/professionals/me', {
        token: me.token,
        body: {
          displayName: `Demo pro ${walk.t.slug}`,
          bio: 'Gasfitería y electricidad',
          categories: ['plumbing'],
          skills: ['leaks'],
          location: { latitude: -33.45, longitude: -70.66 },
          radiusMeters: 10_000,
        },
      });
      expectStatus(created, 201, 'POST /professionals/me');
      expect(created.body.data.kyc.status).toBe('pending');
      const edited = await api('marketplace', 'PATCH', '/professionals/me', {
        token: me.token,
        body: { bio: 'Gasfitería, electricidad y pintura', skills: ['leaks', 'painting'] },
      });
      expectStatus(edited, 200, 'PATCH /professionals/me');
      expect(edited.body.data.skills).toEqual(['leaks', 'painting']);
    },
  },
  admin: {
    action: "lists the business's users and reviews the professional's KYC (approves it)",
    run: async ({ walk, me, user }) => {
      const users = await api('identity', 'GET', '/users?limit=100', { token: me.token });
      expectStatus(users, 200, 'GET /users');
      const emails = (users.body.data as Array<{ email: string }>).map((u) => u.email);
      for (const role of rolesOf(walk.t.kind)) expect(emails).toContain(demoEmail(role, walk.t.slug));
      const pro = user('professional');
      const pending = await api('marketplace', 'GET', '/professionals?kycStatus=pending&limit=100', {
        token: me.token,
      });
      expectStatus(pending, 200, 'GET /professionals?kycStatus=pending');
      expect((pending.body.data as Array<{ id: string }>).map((p) => p.id)).toContain(pro.id);
      const decided = await api('marketplace', 'POST', `/professionals/${pro.id}/kyc/decision`, {
        token: me.token,
        body: { status: 'approved' },
      });
      expectStatus(decided, 200, 'POST /professionals/:id/kyc/decision');
      expect(decided.body.data.kyc.status).toBe('approved');
    },
  },
  client: {
    action: 'views its wallet, reads and marks its notifications, and declines an offer',
    run: async ({ walk, me, user }) => {
      const wallet = await api('payments', 'GET', '/wallets/me', { token: me.token });
      expectStatus(wallet, 200, 'GET /wallets/me');
      const own = (wallet.body.data as Array<{ kind: string; currency: string; balance: string }>).find(
        (a) => a.kind === 'customer_wallet' && a.currency === walk.t.currency,
      );
      const deposit = from(walk.deposit, "the cashier's top-up");
      expect(own?.balance).toBe(String(deposit.amount));
      const mine = await api('payments', 'GET', '/payments?limit=100', { token: me.token });
      expectStatus(mine, 200, 'GET /payments (own)');
      expect((mine.body.data as Array<{ id: string }>).map((p) => p.id)).toEqual(
        expect.arrayContaining([from(walk.sale, "the cashier's sale"), deposit.id]),
      );

      // The approved professional sends it an offer; the client declines it.
      const offer = await api('marketplace', 'POST', '/offers', {
        token: user('professional').token,
        body: {
          clientId: me.id,
          description: 'Arreglo de filtración en la cocina',
          amount: 40_000,
          currency: walk.t.currency,
          expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        },
      });
      expectStatus(offer, 201, 'POST /offers (the professional)');
      const received = await api('marketplace', 'GET', '/offers?limit=100', { token: me.token });
      expectStatus(received, 200, 'GET /offers');
      expect((received.body.data as Array<{ id: string }>).map((o) => o.id)).toContain(offer.body.data.id);
      const declined = await api('marketplace', 'POST', `/offers/${offer.body.data.id}/reject`, {
        token: me.token,
      });
      expectStatus(declined, 200, 'POST /offers/:id/reject');
      expect(declined.body.data.status).toBe('rejected');

      // An in-app notification, sent the way the services send them (POST /notify, service token).
      const sent = await api('notifications', 'POST', '/notify', {
        headers: { 'X-Service-Token': SERVICE_TOKEN },
        body: {
          tenantId: tenantIdOf(me),
          key: newKey('demo-notify'),
          event: 'escrow.funded',
          recipient: { userId: me.id },
          channels: ['in_app'],
          variables: { title: 'Demo', amount: { amount: '40000', currency: walk.t.currency } },
        },
      });
      expectStatus(sent, 201, 'POST /notify');
      const inbox = await api('notifications', 'GET', '/inbox', { token: me.token });
      expectStatus(inbox, 200, 'GET /inbox');
      expect(inbox.body.meta?.unread).toBe(1);
      const item = (inbox.body.data as Array<{ id: string; event: string }>)[0]!;
      expect(item.event).toBe('escrow.funded');
      const read = await api('notifications', 'POST', `/inbox/${item.id}/read`, { token: me.token });
      expectStatus(read, 200, 'POST /inbox/:id/read');
      expect(read.body.data.readAt).toEqual(expect.any(String));
    },
  },
  waiter: {
    pending: 'pos',
    action: 'opens a table and sends its order to the kitchen',
    permissions: ['orders.create', 'orders.read'],
  },
  kitchen: {
    pending: 'pos',
    action: 'takes the next order off the kitchen display and marks it ready',
    permissions: ['orders.read', 'kitchen.operate'],
  },
  'gym:trainer': {
    action:
      'lists the classes it teaches this week and who is booked in them, and assigns a routine to a booked member',
    run: async ({ walk, me }) => {
      const week = await api('gym', 'GET', `/occurrences?${thisWeek()}`, { token: me.token });
      expectStatus(week, 200, 'GET /occurrences');
      const mine = (week.body.data as Array<{ id: string; trainerId: string | null }>).filter(
        (o) => o.trainerId === me.id,
      );
      // The seed's classes this trainer teaches (one may be today's, already over).
      const taught = CLASSES.filter((c) => c.trainer === 'trainer').length;
      expect(mine.length).toBeGreaterThanOrEqual(taught - 1);
      const booked: string[] = [];
      for (const o of mine) {
        const list = await api('gym', 'GET', `/occurrences/${o.id}/bookings?limit=100`, { token: me.token });
        expectStatus(list, 200, 'GET /occurrences/:id/bookings');
        for (const b of list.body.data as Array<{ memberId: string; status: string }>)
          if (b.status === 'booked') booked.push(b.memberId);
      }
      // The seed books members into the next session of its classes.
      expect(booked.length).toBeGreaterThan(0);
      const memberId = booked[0]!;

      const exercises = await api('gym', 'GET', '/exercises?limit=2', { token: me.token });
      expectStatus(exercises, 200, 'GET /exercises');
      const template = await api('gym', 'POST', '/routine-templates', {
        token: me.token,
        body: {
          name: 'Demo fuerza',
          difficulty: 'beginner',
          days: [
            {
              name: 'Día 1',
              exercises: (exercises.body.data as Array<{ id: string }>).map((e) => ({
                exerciseId: e.id,
                sets: 3,
                reps: 10,
                weightGrams: 20_000,
              })),
            },
          ],
        },
      });
      expectStatus(template, 201, 'POST /routine-templates');
      expect(template.body.data.currentVersion).toBe(1);
      const assigned = await api('gym', 'POST', `/members/${memberId}/routines`, {
        token: me.token,
        body: { templateId: template.body.data.id, startsOn: todayIn(walk.t.timeZone) },
      });
      expectStatus(assigned, 201, 'POST /members/:id/routines');
      expect(assigned.body.data).toMatchObject({ memberId, trainerId: me.id, status: 'active' });
      const routines = await api('gym', 'GET', `/members/${memberId}/routines?limit=100`, {
        token: me.token,
      });
      expectStatus(routines, 200, 'GET /members/:id/routines');
      expect((routines.body.data as Array<{ id: string }>).map((r) => r.id)).toContain(assigned.body.data.id);
    },
  },
  trainer: emptyGym('reads its class calendar: it is empty', () => `/occurrences?${thisWeek()}`),
  'gym:receptionist': {
    action:
      "finds the demo member by search, checks them in at the door with the QR code they show, reads the branch's occupancy and checks them out",
    run: async ({ me, user }) => {
      const member = await demoMember(me, user('client'));
      const occupancy = async () => {
        const res = await api('gym', 'GET', `/reception/occupancy/${member.branchId}`, { token: me.token });
        expectStatus(res, 200, 'GET /reception/occupancy/:branchId');
        return res.body.data.occupancy as number;
      };
      const before = await occupancy();
      // The member opens the app and shows a code; the desk scans it.
      const code = await api('gym', 'POST', '/members/me/checkin-codes', { token: user('client').token });
      expectStatus(code, 201, 'POST /members/me/checkin-codes (the member)');
      expect(code.body.data.svg).toContain('<svg');
      const checkedIn = await api('gym', 'POST', '/reception/check-ins', {
        token: me.token,
        body: { branchId: member.branchId, token: code.body.data.token },
      });
      expectStatus(checkedIn, 201, 'POST /reception/check-ins');
      expect(checkedIn.body.data).toMatchObject({
        memberId: member.id,
        branchId: member.branchId,
        method: 'qr',
        checkedOutAt: null,
      });
      expect(await occupancy()).toBe(before + 1);
      const replayed = await api('gym', 'POST', '/reception/check-ins', {
        token: me.token,
        body: { branchId: member.branchId, token: code.body.data.token },
      });
      expectStatus(replayed, 409, 'POST /reception/check-ins (the same code again)');
      const out = await api('gym', 'POST', '/reception/check-outs', {
        token: me.token,
        body: { branchId: member.branchId, memberId: member.id },
      });
      expectStatus(out, 200, 'POST /reception/check-outs');
      expect(out.body.data).toMatchObject({ id: checkedIn.body.data.id, checkedOutAt: expect.any(String) });
      expect(await occupancy()).toBe(before);
    },
  },
  receptionist: emptyGym("searches the gym's members: it has none", () => memberSearch),
  'gym:nutritionist': {
    action:
      'writes a nutrition plan from the ingredient catalog (kcal and macros computed) and gives it to the demo member, who reads it',
    run: async ({ walk, me, user }) => {
      const member = await demoMember(me, user('client'));
      const catalog = await api('gym', 'GET', '/ingredients?limit=2', { token: me.token });
      expectStatus(catalog, 200, 'GET /ingredients');
      const [a, b] = catalog.body.data as Array<{ id: string; per100g: Macros }>;
      // Whole hundreds of grams: each line is its ingredient's per-100 g values times a whole number.
      const created = await api('gym', 'POST', '/nutrition-plans', {
        token: me.token,
        body: {
          name: 'Plan demo',
          meals: [
            { name: 'Desayuno', items: [{ ingredientId: a!.id, grams: 200 }] },
            {
              name: 'Almuerzo',
              items: [
                { ingredientId: a!.id, grams: 100 },
                { ingredientId: b!.id, grams: 300 },
              ],
            },
          ],
        },
      });
      expectStatus(created, 201, 'POST /nutrition-plans');
      const times = (m: Macros, k: number): Macros => ({
        kcal: m.kcal * k,
        proteinMg: m.proteinMg * k,
        carbsMg: m.carbsMg * k,
        fatMg: m.fatMg * k,
      });
      const sum = (x: Macros, y: Macros): Macros => ({
        kcal: x.kcal + y.kcal,
        proteinMg: x.proteinMg + y.proteinMg,
        carbsMg: x.carbsMg + y.carbsMg,
        fatMg: x.fatMg + y.fatMg,
      });
      expect(created.body.data.meals[0]).toMatchObject(times(a!.per100g, 2));
      expect(created.body.data.meals[1]).toMatchObject(sum(a!.per100g, times(b!.per100g, 3)));
      expect(created.body.data.totals).toEqual(sum(times(a!.per100g, 3), times(b!.per100g, 3)));
      const assigned = await api('gym', 'POST', `/nutrition-plans/${created.body.data.id}/assign`, {
        token: me.token,
        body: { memberId: member.id, startsOn: todayIn(walk.t.timeZone) },
      });
      expectStatus(assigned, 201, 'POST /nutrition-plans/:id/assign');
      expect(assigned.body.data).toMatchObject({
        isTemplate: false,
        memberId: member.id,
        templateId: created.body.data.id,
        totals: created.body.data.totals,
      });
      const theirs = await api('gym', 'GET', '/members/me/nutrition-plans?limit=100', {
        token: user('client').token,
      });
      expectStatus(theirs, 200, 'GET /members/me/nutrition-plans (the member)');
      expect((theirs.body.data as Array<{ id: string }>).map((x) => x.id)).toContain(assigned.body.data.id);
    },
  },
  nutritionist: emptyGym("searches the gym's members for a plan: it has none", () => memberSearch),
};

const entryOf = (kind: string, role: string): Entry | undefined => ROLES[`${kind}:${role}`] ?? ROLES[role];
const ORDER = Object.keys(ROLES).map((k) => k.split(':').pop()!);
/** A tenant's roles in the walk's order (roles without an entry last, where they fail). */
const walkOrder = (kind: string) =>
  [...rolesOf(kind)].sort((a, b) => (ORDER.indexOf(a) + 1 || Infinity) - (ORDER.indexOf(b) + 1 || Infinity));

/** The tenant id of a session (its access token's `tid`). */
const tenantIdOf = (s: Session) =>
  (JSON.parse(Buffer.from(s.token.split('.')[1]!, 'base64url').toString()) as { tid: string }).tid;

const tally = { walked: 0, real: 0, pending: new Map<string, number>() };

beforeAll(async () => {
  h = await startPayments();
  const logger = captureLogger('demo-roles').logger;
  m = await startMarketplaceApi(h, logger);
  smtp = await startSmtp();
  n = await startNotifications({ smtpPort: smtp.port, identityUrl: h.identityUrl });
  nServer = await serve(n.app, { port: 0, host: '127.0.0.1', logger, signals: [] });
  // The gym API migrates its schema before the gym's seed writes into it.
  g = await startGymApi(h, logger);
  Object.assign(urls, {
    identity: h.identityUrl,
    payments: `http://127.0.0.1:${h.server.port}`,
    marketplace: m.url,
    notifications: `http://127.0.0.1:${nServer.port}`,
    gym: g.url,
  });
  // `make dev`'s seeds (dev.sh runs every service's src/seed.ts, identity's first: the gym's reads
  // its zentro-gym, branches and users), on this worker's database.
  const env = { ...process.env, DATABASE_URL: await testDatabaseUrl(), LOG_LEVEL: 'warn' };
  for (const seed of [SEED, GYM_SEED])
    await run(process.execPath, ['--disable-warning=ExperimentalWarning', seed], { env, timeout: 120_000 });
}, 300_000);

afterAll(async () => {
  const pending = [...tally.pending].map(([service, count]) => `${count} wait for ${service}`).join(', ');
  process.stdout.write(
    `demo-roles.test: ${tally.walked} demo users walked, ${tally.real} performed a real action, ${pending || 'none pending'}\n`,
  );
  await g?.close();
  await nServer?.stop();
  await n?.close();
  await smtp?.stop();
  await m?.close();
  await h?.close();
});

it('every role of every demo tenant has an entry in ROLES (a new role adds its action or pending note)', () => {
  const missing = DEMO_TENANTS.flatMap((t) =>
    rolesOf(t.kind)
      .filter((r) => !entryOf(t.kind, r))
      .map((r) => `${t.slug}:${r}`),
  );
  expect(missing).toEqual([]);
});

describe.each(DEMO_TENANTS.map((t) => [t.slug, t] as const))('%s', (_slug, t) => {
  const walk: Walk = { t, users: new Map() };

  beforeAll(async () => {
    for (const role of rolesOf(t.kind)) {
      const email = demoEmail(role, t.slug);
      const login = await api('identity', 'POST', '/auth/login', {
        body: { tenant: t.slug, email, password: DEMO_PASSWORD },
      });
      expectStatus(login, 200, `login ${email}`);
      const token = login.body.data.accessToken as string;
      const me = await api('identity', 'GET', '/auth/me', { token });
      expectStatus(me, 200, `GET /auth/me ${email}`);
      walk.users.set(role, {
        role,
        email,
        token,
        id: me.body.data.user.id as string,
        permissions: me.body.data.permissions as Record<string, string[]>,
      });
    }
  }, 60_000);

  it.each(walkOrder(t.kind))('%s', async (role) => {
    const me = walk.users.get(role)!;
    tally.walked++;
    // GET /auth/me shows the role's permissions, in its own business.
    const expected = SYSTEM_ROLES.find((r) => r.name === role)!.permissions;
    const held = Object.keys(me.permissions);
    expect(held.length).toBeGreaterThan(0);
    for (const p of expected) if (!p.endsWith('*')) expect(held).toContain(p);

    const entry = entryOf(t.kind, role);
    if (!entry)
      throw new Error(`${t.slug}: role ${role} has no entry in ROLES (its action or a pending note)`);
    if ('pending' in entry) {
      for (const p of entry.permissions) expect(me.permissions[p]).toEqual(['*']);
      tally.pending.set(entry.pending, (tally.pending.get(entry.pending) ?? 0) + 1);
      return;
    }
    await entry.run({
      walk,
      me,
      user: (r) => {
        const s = walk.users.get(r);
        if (!s) throw new Error(`${t.slug} has no demo ${r}`);
        return s;
      },
    });
    tally.real++;
  });
});
