/**
 * The POS demo as `make dev` makes it (issue 17): on a fresh database, identity's and the POS's
 * migrations and seeds run the way dev.sh runs them (identity first), twice — the second run adds
 * nothing — and then the real identity and POS processes serve it: the bistro's waiter reads its
 * branch's menu (20 products at their MXN prices) and floor, the café's owner its café menu.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { spawnService, testDatabaseName, testStack, type SpawnedService } from '@faena/platform/testing';
import { DEMO_PASSWORD, demoEmail } from '../../services/identity/src/demo.ts';
import { DEMO_MENUS, demoProducts } from '../../services/pos/src/demo.ts';
import { ROOT, envExample } from '../chaos/config.ts';

const DB = `${testDatabaseName()}_pos_demo`;
let url: string;
let env: Record<string, string>;
let identity: SpawnedService | undefined;
let pos: SpawnedService | undefined;

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
            await db.query<{ n: string }>(`select count(*) as n from pos.${table} where tenant_id = $1`, [
              tenant,
            ])
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
    for (const service of ['identity', 'pos']) {
      run(`services/${service}/src/migrate.ts`, ['up']);
      run(`services/${service}/src/seed.ts`);
    }
  };
  migrateAndSeed();
  first = await counts();
  migrateAndSeed();
  second = await counts();
  identity = await spawnService(path.join(ROOT, 'services/identity/src/main.ts'), {
    ...env,
    SERVICE_NAME: 'identity',
    PORT: '0',
    LOG_LEVEL: 'info',
  });
  pos = await spawnService(
    path.join(ROOT, 'services/pos/src/main.ts'),
    {
      ...env,
      SERVICE_NAME: 'pos',
      PORT: '0',
      LOG_LEVEL: 'info',
      IDENTITY_URL: `http://127.0.0.1:${identity.port}`,
    },
    { timeoutMs: 30_000 },
  );
}, 600_000);

afterAll(async () => {
  for (const s of [pos, identity]) {
    s?.child.kill('SIGTERM');
    await s?.exited;
  }
  const admin = new pg.Client({ connectionString: testStack.postgresAdminUrl });
  await admin.connect();
  await admin.query(`drop database if exists "${DB}" with (force)`);
  await admin.end();
});

async function login(slug: string, role: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${identity!.port}/api/identity/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: slug, email: demoEmail(role, slug), password: DEMO_PASSWORD }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: { accessToken: string } }).data.accessToken;
}

// The answer's `data` is whatever the route answers; each test asserts what it reads.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function posGet(token: string, route: string): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${pos!.port}/api/pos/v1${route}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as { data?: unknown };
  if (res.status !== 200) throw new Error(`GET ${route}: ${res.status} ${JSON.stringify(body)}`);
  return body.data;
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
});
