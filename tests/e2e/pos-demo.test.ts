/**
 * The POS demo as `make dev` makes it (issue 17): on a fresh database, identity's, payments' and the
 * POS's migrations and seeds run the way dev.sh runs them (identity first, then by name), twice —
 * the second run adds nothing — and then the real identity, payments and POS processes serve it:
 * the bistro's waiter reads its branch's menu (20 products at their MXN prices) and floor, the
 * café's owner its café menu, and end to end (issue 17's acceptance) the bistro's Roma Norte
 * cashier (a grant in that branch only) opens an order at a table with a dish and a drink, sends it —
 * one kitchen ticket and one print job row per station (Cocina, Barra), the branch room and each
 * station's room told through the real notifications gateway — splits the payment cash + card into
 * the drawer's open session, the recipes' stock goes down, and the manager's sales report lists
 * the sale in JSON and CSV.
 */
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { io as connect, type Socket } from 'socket.io-client';
import { spawnService, testDatabaseName, testStack, type SpawnedService } from '@faena/platform/testing';
import { DEMO_PASSWORD, demoEmail } from '../../services/identity/src/demo.ts';
import { DEMO_MENUS, DEMO_STOCK_REFERENCE, demoProducts } from '../../services/pos/src/demo.ts';
import { SOCKET_PATH } from '../../services/notifications/src/realtime/gateway.ts';
import { rooms } from '../../services/notifications/src/realtime/rooms.ts';
import { ROOT, envExample } from '../chaos/config.ts';

const DB = `${testDatabaseName()}_pos_demo`;
let url: string;
let env: Record<string, string>;
let identity: SpawnedService | undefined;
let payments: SpawnedService | undefined;
let pos: SpawnedService | undefined;
let notifications: SpawnedService | undefined;
const sockets: Socket[] = [];

function run(entry: string, args: string[] = []) {
  const r = spawnSync(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', path.join(ROOT, entry), ...args],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 180_000,
    },
  );
  if (r.status !== 0)
    throw new Error(`${entry} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const TABLES = [
  'categories',
  'products',
  'product_variants',
  'modifier_groups',
  'modifiers',
  'branch_products',
  'availability_windows',
  'branch_settings',
  'floors',
  'dining_tables',
  'inventory_items',
  'recipe_lines',
  'stations',
  'category_stations',
  'inventory_stock',
  'inventory_movements',
  'payments.drawers',
  'payments.cash_sessions',
];

/** Rows per POS table of each demo business. */
async function counts(): Promise<Record<string, Record<string, number>>> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const out: Record<string, Record<string, number>> = {};
    for (const { slug } of DEMO_MENUS) {
      const tenant = (
        await db.query<{ id: string }>('select id from identity.tenants where slug = $1', [slug])
      ).rows[0]!.id;
      out[slug] = {};
      for (const table of TABLES)
        out[slug][table] = Number(
          (
            await db.query<{ n: string }>(
              `select count(*) as n from ${table.includes('.') ? table : `pos.${table}`} where tenant_id = $1`,
              [tenant],
            )
          ).rows[0]!.n,
        );
    }
    return out;
  } finally {
    await db.end();
  }
}

let first: Record<string, Record<string, number>>;
let second: Record<string, Record<string, number>>;

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: testStack.postgresAdminUrl });
  await admin.connect();
  await admin.query(`drop database if exists "${DB}" with (force)`);
  await admin.query(`create database "${DB}"`);
  await admin.end();
  const u = new URL(testStack.postgresAdminUrl);
  u.pathname = `/${DB}`;
  url = u.toString();
  const example = envExample();
  delete example.NODE_ENV;
  env = {
    ...example,
    DATABASE_URL: url,
    REDIS_URL: testStack.redisUrl,
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
  };
  const migrateAndSeed = () => {
    // dev.sh's order: identity, then the others by name (payments has no seed; its schema is
    // there before the POS's seed opens the bistro's cash session).
    for (const service of ['identity', 'payments', 'pos']) {
      run(`services/${service}/src/migrate.ts`, ['up']);
      if (service !== 'payments') run(`services/${service}/src/seed.ts`);
    }
  };
  migrateAndSeed();
  first = await counts();
  migrateAndSeed();
  second = await counts();
  run('services/notifications/src/migrate.ts', ['up']);
  identity = await spawnService(path.join(ROOT, 'services/identity/src/main.ts'), {
    ...env,
    SERVICE_NAME: 'identity',
    PORT: '0',
    LOG_LEVEL: 'info',
  });
  payments = await spawnService(
    path.join(ROOT, 'services/payments/src/main.ts'),
    {
      ...env,
      SERVICE_NAME: 'payments',
      PORT: '0',
      LOG_LEVEL: 'info',
      IDENTITY_URL: `http://127.0.0.1:${identity.port}`,
    },
    { timeoutMs: 60_000 },
  );
  pos = await spawnService(
    path.join(ROOT, 'services/pos/src/main.ts'),
    {
      ...env,
      SERVICE_NAME: 'pos',
      PORT: '0',
      LOG_LEVEL: 'info',
      IDENTITY_URL: `http://127.0.0.1:${identity.port}`,
      PAYMENTS_URL: `http://127.0.0.1:${payments.port}`,
    },
    { timeoutMs: 60_000 },
  );
  notifications = await spawnService(
    path.join(ROOT, 'services/notifications/src/main.ts'),
    {
      ...env,
      SERVICE_NAME: 'notifications',
      PORT: '0',
      LOG_LEVEL: 'info',
      IDENTITY_URL: `http://127.0.0.1:${identity.port}`,
    },
    { timeoutMs: 60_000 },
  );
}, 600_000);

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  for (const s of [notifications, pos, payments, identity]) {
    s?.child.kill('SIGTERM');
    await s?.exited;
  }
  const admin = new pg.Client({ connectionString: testStack.postgresAdminUrl });
  await admin.connect();
  await admin.query(`drop database if exists "${DB}" with (force)`);
  await admin.end();
});

/** Logs a demo user in: `<local>@<slug>.demo` (a role's user, or one of identity's DEMO_EXTRA_USERS). */
async function login(slug: string, role: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${identity!.port}/api/identity/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: slug, email: demoEmail(role, slug), password: DEMO_PASSWORD }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: { accessToken: string } }).data.accessToken;
}

/** One call to a running service; `data` of a 2xx, an error naming the call otherwise. */
async function call(
  service: SpawnedService,
  token: string,
  method: string,
  route: string,
  body?: object,
  headers: Record<string, string> = {},
  // The answer's `data` is whatever the route answers; each test asserts what it reads.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<any> {
  const name = service === payments ? 'payments' : 'pos';
  const res = await fetch(`http://127.0.0.1:${service.port}/api/${name}/v1${route}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body && { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body && { body: JSON.stringify(body) }),
  });
  const answer = (await res.json()) as { data?: unknown };
  if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(answer)}`);
  return answer.data;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const posGet = (token: string, route: string): Promise<any> => call(pos!, token, 'GET', route);

/** A socket on the real gateway, in `room`, collecting every event it hears. */
async function listen(
  token: string,
  room: string,
): Promise<Array<{ event: string; data: Record<string, unknown> }>> {
  const socket = connect(`http://127.0.0.1:${notifications!.port}`, {
    path: SOCKET_PATH,
    transports: ['websocket'],
    auth: { token },
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const joined = (await socket.emitWithAck('join', room)) as { ok: boolean };
  expect(joined).toMatchObject({ ok: true });
  const heard: Array<{ event: string; data: Record<string, unknown> }> = [];
  socket.onAny((event: string, envelope: { data: Record<string, unknown> }) =>
    heard.push({ event, data: envelope.data }),
  );
  return heard;
}

/** Waits (bounded) until `ok` holds: events cross Redis and the gateway after the commit. */
async function until(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 100));
  if (!ok()) throw new Error(`never happened: ${what}`);
}

const [bistro, cafe] = DEMO_MENUS as [(typeof DEMO_MENUS)[number], (typeof DEMO_MENUS)[number]];

describe('the POS demo seed', () => {
  it('creates the bistro (20 products, a floor with its tables) and the café menu', () => {
    expect(demoProducts(bistro)).toHaveLength(20);
    expect(first['fastops-bistro']).toMatchObject({
      categories: bistro.categories.length,
      products: 20,
      branch_products: 20,
      branch_settings: 1,
      floors: 1,
      dining_tables: bistro.floors[0]!.tables.length,
      inventory_items: bistro.items.length,
      recipe_lines: Object.values(bistro.recipes).flat().length,
      // Cocina (the default: starters and mains), Barra (drinks and bar), Postres.
      stations: 3,
      category_stations: 5,
      // Every item has its opening stock in Roma Norte: one purchase each.
      inventory_stock: 20,
      inventory_movements: 20,
      // Payments: the branch's drawer and its one open session.
      'payments.drawers': 1,
      'payments.cash_sessions': 1,
    });
    // Every one of the bistro's 20 products has a recipe.
    expect(Object.keys(bistro.recipes).sort()).toEqual(
      demoProducts(bistro)
        .map((p) => p.name)
        .sort(),
    );
    expect(first['fastops-bistro']!.modifier_groups).toBeGreaterThan(0);
    expect(first['cafe-andino']).toMatchObject({
      categories: cafe.categories.length,
      products: demoProducts(cafe).length,
      branch_products: demoProducts(cafe).length,
      inventory_items: cafe.items.length,
      recipe_lines: Object.values(cafe.recipes).flat().length,
      inventory_stock: cafe.items.length,
      inventory_movements: cafe.items.length,
      'payments.cash_sessions': 0,
    });
  });

  it('is idempotent: the second run adds nothing', () => {
    expect(second).toEqual(first);
  });

  it("the bistro's waiter reads the branch's menu at MXN prices and its floor", async () => {
    const token = await login('fastops-bistro', 'waiter');
    const floors = (await posGet(token, '/floors?limit=100')) as Array<{
      branchId: string;
      tables: unknown[];
    }>;
    expect(floors).toHaveLength(1);
    expect(floors[0]!.tables).toHaveLength(bistro.floors[0]!.tables.length);
    const menu = await posGet(token, `/branches/${floors[0]!.branchId}/menu`);
    expect(menu.timeZone).toBe('America/Mexico_City');
    const products = (
      menu.categories as Array<{ products: Array<{ name: string; price: string; currency: string }> }>
    ).flatMap((c) => c.products);
    expect(products).toHaveLength(20);
    expect(products.find((p) => p.name === 'Guacamole con totopos')).toMatchObject({
      price: '12500',
      currency: 'MXN',
    });
  });

  it("the café's owner reads its café menu in COP", async () => {
    const token = await login('cafe-andino', 'owner');
    const products = (await posGet(token, '/products?limit=100')) as Array<{
      name: string;
      prices: Array<{ currency: string }>;
    }>;
    expect(products.map((p) => p.name).sort()).toEqual(
      demoProducts(cafe)
        .map((p) => p.name)
        .sort(),
    );
    expect(products.every((p) => p.prices.length === 1 && p.prices[0]!.currency === 'COP')).toBe(true);
  });

  it("end to end: the Roma Norte cashier's order reaches both stations (ticket and print job rows, room events), is paid cash + card into the open session, the stock goes down and the manager's report lists it (JSON and CSV)", async () => {
    const cashier = await login('fastops-bistro', 'cashier-roma');
    const manager = await login('fastops-bistro', 'manager');
    const floors = (await posGet(cashier, '/floors?limit=100')) as Array<{
      branchId: string;
      tables: Array<{ id: string; name: string }>;
    }>;
    const branchId = floors[0]!.branchId;
    const table = floors[0]!.tables.find((t) => t.name === '1')!;
    // The cashier's grant holds in Roma Norte only.
    const me = await fetch(`http://127.0.0.1:${identity!.port}/api/identity/v1/auth/me`, {
      headers: { Authorization: `Bearer ${cashier}` },
    });
    const permissions = ((await me.json()) as { data: { permissions: Record<string, string[]> } }).data
      .permissions;
    expect([permissions['orders.pay'], permissions['cash_sessions.operate']]).toEqual([
      [branchId],
      [branchId],
    ]);
    const menu = await posGet(cashier, `/branches/${branchId}/menu`);
    const dishes = (menu.categories as Array<{ products: Array<{ id: string; name: string }> }>).flatMap(
      (c) => c.products,
    );
    const guacamole = dishes.find((p) => p.name === 'Guacamole con totopos')!;
    const refresco = dishes.find((p) => p.name === 'Refresco')!;
    const stations = (await posGet(manager, `/stations?branchId=${branchId}&limit=100`)) as Array<{
      id: string;
      name: string;
    }>;
    const stationId = (name: string) => stations.find((st) => st.name === name)!.id;
    // Who listens: the cashier in the branch's room, the manager in Cocina's and Barra's.
    const tenantId = (
      JSON.parse(Buffer.from(cashier.split('.')[1]!, 'base64url').toString()) as { tid: string }
    ).tid;
    const branchRoom = await listen(cashier, rooms.branch(tenantId, branchId));
    const cocinaRoom = await listen(manager, rooms.kitchen(tenantId, branchId, stationId('Cocina')));
    const barraRoom = await listen(manager, rooms.kitchen(tenantId, branchId, stationId('Barra')));
    // The drawer the seed opened, as the cashier sees it: open, no expected amounts (blind count).
    const [drawer] = (await call(payments!, cashier, 'GET', '/drawers?limit=100')) as Array<{
      id: string;
      name: string;
    }>;
    expect(drawer).toMatchObject({ name: bistro.cash!.drawer });
    const [session] = (await call(
      payments!,
      cashier,
      'GET',
      `/cash-sessions?drawerId=${drawer!.id}&status=open`,
    )) as Array<Record<string, unknown>>;
    expect(session).toMatchObject({ status: 'open', openingFloat: String(bistro.cash!.openingFloat) });
    expect(session).not.toHaveProperty('expected');
    // Stock of the guacamole's items before (the manager reads the inventory).
    const stock = async () => {
      const rows = (await posGet(manager, `/inventory/stock?branchId=${branchId}&limit=100`)) as Array<{
        itemId: string;
        quantity: string;
      }>;
      const items = (await posGet(manager, '/inventory/items?limit=100')) as Array<{
        id: string;
        name: string;
      }>;
      const named = (name: string) => rows.find((r) => r.itemId === items.find((i) => i.name === name)!.id)!;
      return { aguacate: named('Aguacate').quantity, totopos: named('Totopos').quantity };
    };
    expect(await stock()).toEqual({ aguacate: '10', totopos: '5' });

    const order = await call(pos!, cashier, 'POST', '/orders', {
      branchId,
      kind: 'dine_in',
      tableId: table.id,
      guests: 2,
    });
    await call(pos!, cashier, 'POST', `/orders/${order.id}/lines`, { productId: guacamole.id, quantity: 2 });
    await call(pos!, cashier, 'POST', `/orders/${order.id}/lines`, { productId: refresco.id, quantity: 1 });
    const sent = await call(pos!, cashier, 'POST', `/orders/${order.id}/send`);
    expect(sent.status).toBe('sent');
    // One ticket per station with its lines, and one print job row per printing station.
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const tickets = await db.query<{ station: string; items: string; jobs: string }>(
        `select s.name as station, (select count(*) from pos.kitchen_ticket_items i where i.ticket_id = t.id) as items,
                (select count(*) from pos.print_jobs j where j.ticket_id = t.id) as jobs
           from pos.kitchen_tickets t join pos.stations s on s.id = t.station_id
          where t.order_id = $1 order by s.name`,
        [order.id],
      );
      expect(tickets.rows).toEqual([
        { station: 'Barra', items: '1', jobs: '1' },
        { station: 'Cocina', items: '1', jobs: '1' },
      ]);
    } finally {
      await db.end();
    }
    await until(
      () =>
        cocinaRoom.some((e) => e.event === 'kitchen:ticket_created') &&
        barraRoom.some((e) => e.event === 'kitchen:ticket_created'),
      "each station's room told of its ticket",
    );
    await until(
      () => branchRoom.some((e) => e.event === 'order:created' && e.data.orderId === order.id),
      "the branch's room told of the order",
    );
    // Split: the card takes all but MX$150.00; the customer hands MX$200.00 in cash for the rest.
    const total = BigInt(sent.total as string);
    const card = total - 15_000n;
    const paid = await call(
      pos!,
      cashier,
      'POST',
      `/orders/${order.id}/payments`,
      {
        drawerId: drawer!.id,
        tenders: [
          { method: 'card', amount: Number(card) },
          { method: 'cash', amount: 20_000 },
        ],
      },
      { 'Idempotency-Key': randomUUID() },
    );
    expect(paid).toMatchObject({ status: 'paid', paid: total.toString(), due: '0', change: '5000' });
    await until(
      () => branchRoom.some((e) => e.event === 'order:paid' && e.data.orderId === order.id),
      "the branch's room told the order is paid",
    );
    // Two guacamoles took 2 × 0.25 kg of avocado and 2 × 0.1 kg of totopos.
    expect(await stock()).toEqual({ aguacate: '9.5', totopos: '4.8' });
    // The manager sees what the drawer should hold now: the float and the sale's cash.
    const seen = await call(payments!, manager, 'GET', `/cash-sessions/${session!.id as string}`);
    expect(seen.expected).toMatchObject({
      cash: (BigInt(bistro.cash!.openingFloat) + 15_000n).toString(),
      card: card.toString(),
    });
    // The manager's report of the branch's day lists the sale: by method, product and in the CSV.
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Mexico_City' }).format(new Date());
    const report = await posGet(manager, `/reports/sales?branchId=${branchId}&from=${today}&to=${today}`);
    expect(report.totals).toMatchObject({ orders: 1, total: total.toString() });
    expect(
      (report.byPaymentMethod as Array<{ method: string; captured: string }>)
        .map((m) => [m.method, m.captured])
        .sort(),
    ).toEqual([
      ['card', card.toString()],
      ['cash', '15000'],
    ]);
    expect(
      (report.byProduct as Array<{ name: string; quantity: number }>).map((p) => [p.name, p.quantity]).sort(),
    ).toEqual([
      ['Guacamole con totopos', 2],
      ['Refresco', 1],
    ]);
    const csv = await fetch(
      `http://127.0.0.1:${pos!.port}/api/pos/v1/reports/sales.csv?branchId=${branchId}&from=${today}&to=${today}&section=products`,
      { headers: { Authorization: `Bearer ${manager}` } },
    );
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split(/\r?\n/);
    expect(lines.filter((l) => l.includes('Guacamole con totopos') || l.includes('Refresco'))).toHaveLength(
      2,
    );
  });

  it('posts the opening stock once per item: a purchase at its unit cost, keyed', async () => {
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const rows = (
        await db.query<{ kind: string; n: string; costed: string }>(
          `select m.kind, count(*) as n, count(m.unit_cost) as costed from pos.inventory_movements m
            join identity.tenants t on t.id = m.tenant_id
            where t.slug = 'fastops-bistro' and m.reference = $1 group by m.kind`,
          [DEMO_STOCK_REFERENCE],
        )
      ).rows;
      expect(rows).toEqual([{ kind: 'purchase', n: '20', costed: '20' }]);
    } finally {
      await db.end();
    }
  });
});
