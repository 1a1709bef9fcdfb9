/**
 * Tenant-consistent references in every service schema (issue 13): a row of tenant A can never
 * reference another tenant's row, whatever writes it (a route, a worker, system work with the tenant
 * filter off, a seed, hand-written SQL). The database refuses it through composite foreign keys
 * `(tenant_id, x_id) → x (tenant_id, id)` (the `*_tenant_foreign_keys` migrations).
 *
 * Generated from the catalog (pg_constraint, information_schema) of the migrated schemas, so a new
 * foreign key is checked without a new test:
 * - every foreign key to a tenant-owned table is composite over `tenant_id`;
 * - for each one, in one transaction with only that constraint made immediate: a child row of
 *   tenant A pointing at a fresh parent row of tenant B is refused (23503, that constraint), and one
 *   pointing at a parent of its own tenant is accepted (then rolled back). Rows are built from the
 *   columns' types, enum CHECKs and defaults;
 * - every `*_id` uuid column of a tenant-owned table is either covered by such a key or listed in
 *   `APPLICATION_CHECKED` (a reference into another service's schema, which no foreign key can
 *   reach), and a column naming a table of its own schema is never in that list.
 * Plus the incident that started it: system work creating a `UserRole` with another tenant's role.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { asSystem, runMigrations, withEm, type Orm } from '@faena/platform';
import { testDatabaseUrl } from '@faena/platform/testing';
import { Role, Tenant, User, UserRole } from '../../services/identity/src/domain/entities.ts';
import { createGymOrm } from '../../services/gym/src/wiring.ts';
import { createIdentityOrm } from '../../services/identity/src/wiring.ts';
import { createMarketplaceOrm } from '../../services/marketplace/src/wiring.ts';
import { createNotificationsOrm } from '../../services/notifications/src/wiring.ts';
import { createPaymentsOrm } from '../../services/payments/src/wiring.ts';
import { createPosOrm } from '../../services/pos/src/wiring.ts';

const SCHEMAS = ['identity', 'payments', 'marketplace', 'notifications', 'gym', 'pos'] as const;
type Schema = (typeof SCHEMAS)[number];

/** How many composite keys each schema had when they were introduced: the catalog query finds at least these. */
const AT_LEAST: Record<Schema, number> = {
  identity: 6,
  payments: 3,
  marketplace: 12,
  notifications: 1,
  gym: 11,
  pos: 14,
};

/**
 * `*_id` columns that reference rows of another service (checked by that service's API or by the
 * code writing them, never by a foreign key): `schema.table.column` → what they reference.
 */
const APPLICATION_CHECKED: Record<string, string> = {
  'identity.refresh_tokens.family_id': 'the session: an id shared by rotated tokens, no table',
  'identity.audit_events.actor_id': 'identity user or platform operator (audit rows outlive them)',
  'identity.audit_events.subject_id': 'any audited record (user, role, branch, tenant, key)',
  'payments.accounts.owner_id': 'identity user (wallet, payable) or drawer (cash drawer: payments.drawers)',
  'payments.accounts.branch_id': "identity branch (a cash drawer's)",
  'payments.drawers.branch_id': 'identity branch',
  'payments.cash_sessions.branch_id': "identity branch (its drawer's)",
  'payments.payments.payer_id': 'identity user',
  'payments.payments.payee_id': 'identity user',
  'payments.payments.branch_id': 'identity branch',
  'marketplace.offers.client_id': 'identity user',
  'marketplace.jobs.client_id': 'identity user',
  'marketplace.reviews.client_id': 'identity user',
  'marketplace.job_events.actor_id': 'identity user (client, professional or operator)',
  'notifications.notifications.user_id': 'identity user',
  'notifications.preferences.user_id': 'identity user',
  'gym.members.branch_id': 'identity branch (the home branch)',
  'gym.members.user_id': 'identity user (the member who logs in)',
  'gym.plan_prices.branch_id': 'identity branch',
  'gym.memberships.branch_id': 'identity branch (the one that sold it)',
  'gym.memberships.payment_id': 'payments payment',
  'gym.memberships.drawer_id': 'payments drawer (cash at reception)',
  'gym.class_schedules.branch_id': 'identity branch',
  'gym.class_occurrences.branch_id': 'identity branch',
  'gym.bookings.branch_id': "identity branch (its class's)",
  'gym.bookings.penalty_payment_id': 'payments payment (a late-cancel or no-show fee)',
  'gym.waitlist_entries.branch_id': "identity branch (its class's)",
  'gym.membership_renewals.payment_id': 'payments payment',
  'gym.trainers.branch_id': 'identity branch (the home branch)',
  'gym.routine_assignments.branch_id': "identity branch (the member's)",
  'gym.workout_logs.branch_id': "identity branch (the member's)",
  'gym.nutrition_plans.branch_id': "identity branch (the member's)",
  'gym.check_ins.branch_id': 'identity branch (the door)',
  'gym.stock_levels.branch_id': 'identity branch',
  'gym.stock_movements.branch_id': 'identity branch',
  'gym.sales.branch_id': 'identity branch',
  'gym.low_stock_alerts.branch_id': "identity branch (its product's stock)",
  'gym.sales.payer_id': 'identity user',
  'gym.sales.payment_id': 'payments payment',
  'gym.incidents.branch_id': 'identity branch',
  'gym.incidents.assignee_id': 'identity user (staff)',
  'pos.branch_products.branch_id': 'identity branch (the one that sells it)',
  'pos.branch_settings.branch_id': 'identity branch',
  'pos.floors.branch_id': 'identity branch',
  'pos.dining_tables.branch_id': "identity branch (its floor's: SAME_BRANCH_KEYS)",
  'pos.inventory_stock.branch_id': 'identity branch',
  'pos.inventory_movements.branch_id': 'identity branch',
  'pos.inventory_transfers.from_branch_id': 'identity branch',
  'pos.inventory_transfers.to_branch_id': 'identity branch',
  'pos.inventory_counts.branch_id': 'identity branch',
  'pos.inventory_alerts.branch_id': 'identity branch',
  'pos.orders.branch_id': "identity branch (its table's: SAME_BRANCH_KEYS)",
  'pos.order_tenders.branch_id': "identity branch (its order's)",
  'pos.order_tenders.drawer_id': 'payments drawer (cash into its open session)',
  'pos.order_tenders.payer_id': 'identity user (the wallet owner, else the cashier)',
  'pos.order_tenders.payment_id': 'payments payment',
  'pos.order_refunds.branch_id': "identity branch (its order's)",
  'pos.stations.branch_id': 'identity branch',
  'pos.category_stations.branch_id': "identity branch (its station's: SAME_BRANCH_KEYS)",
  'pos.kitchen_tickets.branch_id': "identity branch (its station's: SAME_BRANCH_KEYS)",
  'pos.closure_settings.branch_id': 'identity branch',
  'pos.cash_closures.branch_id': 'identity branch',
};

/**
 * Keys `(tenant_id, x_id, branch_id) → x (tenant_id, id, branch_id)` that hold a row in its
 * parent's branch (a POS table in its floor's): tenant-consistent like the composite keys, which
 * the same row also has.
 */
const SAME_BRANCH_KEYS = new Set([
  'dining_tables_floor_branch_foreign',
  'orders_table_branch_foreign',
  'category_stations_station_branch_foreign',
  'kitchen_tickets_station_branch_foreign',
]);

/**
 * Columns of a table that are never set together (a CHECK says so): a key under test gets its row
 * with only one of them pointing at a parent (a POS recipe line belongs to a variant or a modifier).
 */
const EXCLUSIVE: Record<string, string[][]> = {
  'pos.recipe_lines': [['variant_id', 'modifier_id']],
};

/**
 * Cross-service references whose name reads like a table of their own schema (so the suite would
 * take them for a missing key): `schema.table.column` → what they reference.
 */
const NAMED_LIKE_OWN_TABLE: Record<string, string> = {
  'gym.routine_assignments.trainer_id':
    'identity user who assigned the routine (any staff with routines.manage, not only a gym trainer profile)',
};

/** Values for NOT NULL columns whose CHECK is not an enum (a type's default value would fail it). */
const VALUE_OF: Record<string, unknown> = {
  currency: 'ARS',
  locale: 'es',
  radius_meters: 1000,
  // Periods end after they start (gym memberships and freezes: `ends_on > starts_on`).
  ends_on: '2999-12-31',
};

/**
 * Values for some tables' rows whatever the key under test: a cancelled class, so gym's trigger
 * `class_occurrences_trainer_available` (a scheduled class's trainer teaches within their weekly
 * availability: gym's own suites test it) leaves the row to the foreign keys; what CHECKs over
 * several columns need (no enum is read from them).
 */
const ROW_OF: Record<string, (values: Record<string, unknown>) => Record<string, unknown>> = {
  'gym.class_occurrences': () => ({ status: 'cancelled' }),
  'gym.incidents': () => ({ priority: 'low' }),
  'gym.routine_versions': () => ({ difficulty: 'beginner' }),
  'gym.routine_assignments': () => ({ status: 'active' }),
  'gym.sales': () => ({ status: 'pending_payment', payment_method: 'wallet' }),
  'gym.check_ins': () => ({ method: 'manual', reason: 'tenant-fks' }),
  'gym.stock_movements': () => ({ reason: 'received' }),
  'gym.trainer_availability': () => ({ weekday: 1, start_time: '08:00', end_time: '09:00' }),
  // A renewal without a payment (a renewed one with an amount names its payment).
  'gym.membership_renewals': () => ({ result: 'expired' }),
  'pos.availability_windows': () => ({ weekday: 1, starts_at: '08:00', ends_at: '09:00' }),
  // An adjustment names neither a sale nor a count (the kinds' CHECK), whatever key is under test.
  'pos.inventory_movements': () => ({ kind: 'adjustment' }),
  'pos.inventory_items': () => ({ base_unit: 'unit' }),
  // A dine-in order has its table and guests, any other kind neither (the kinds' CHECK); a line
  // without a product is a split bill's share.
  'pos.orders': (values) => (values.table_id ? { kind: 'dine_in', guests: 2 } : { kind: 'takeaway' }),
  'pos.order_lines': (values) => ({ quantity: 1, ...(!values.product_id && { kind: 'share' }) }),
  // A pending card tender (its amounts' CHECK), and a pending refund.
  'pos.order_tenders': () => ({ method: 'card', status: 'pending', amount: 100, received: 100, change: 0 }),
  'pos.order_refunds': () => ({ status: 'pending', amount: 100, refunded_at: null }),
  // A refund's units of a line, and its pending part of a tender (their CHECKs).
  'pos.order_refund_lines': () => ({ quantity: 1, amount: 100 }),
  'pos.order_refund_tenders': () => ({ status: 'pending', amount: 100 }),
  // A screen (no printer address), a ticket nobody prints, a queued item (their CHECKs).
  'pos.stations': () => ({ kind: 'screen', is_default: false }),
  'pos.kitchen_tickets': () => ({ kind: 'order', status: 'queued', print_status: 'none' }),
  'pos.kitchen_ticket_items': () => ({ status: 'queued', quantity: 1 }),
  // A member's plan when the row names a member (its branch and start too), else a template.
  'gym.nutrition_plans': (values) =>
    values.member_id
      ? { is_template: false, branch_id: randomUUID(), starts_on: '2026-01-01' }
      : { is_template: true },
};

interface Fk {
  name: string;
  table: string;
  columns: string[];
  references: string;
  refColumns: string[];
}

interface Column {
  table: string;
  column: string;
  type: string;
  udt: string;
  length: number | null;
  nullable: boolean;
  hasDefault: boolean;
  generated: boolean;
}

let orms: Orm[] = [];
let db: pg.Client;
const catalog = new Map<
  Schema,
  { fks: Fk[]; columns: Column[]; tenantOwned: Set<string>; enums: Map<string, string> }
>();

beforeAll(async () => {
  const url = await testDatabaseUrl();
  const config = { DATABASE_URL: url, DATABASE_POOL_MAX: 2 };
  orms = await Promise.all([
    createIdentityOrm(config),
    createPaymentsOrm(config),
    createMarketplaceOrm(config),
    createNotificationsOrm(config),
    createGymOrm(config),
    createPosOrm(config),
  ]);
  for (const orm of orms) await runMigrations(orm);
  db = new pg.Client({ connectionString: url });
  await db.connect();
  for (const schema of SCHEMAS) {
    const fks = await db.query<Fk>(
      `select c.conname as name, t.relname as table, r.relname as references,
         array(select a.attname::text from unnest(c.conkey) with ordinality k(n, i)
               join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.i) as columns,
         array(select a.attname::text from unnest(c.confkey) with ordinality k(n, i)
               join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.i) as "refColumns"
       from pg_constraint c
       join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
       join pg_class r on r.oid = c.confrelid join pg_namespace rn on rn.oid = r.relnamespace
       where c.contype = 'f' and n.nspname = $1 and rn.nspname = $1
       order by t.relname, c.conname`,
      [schema],
    );
    const columns = await db.query<Column>(
      `select table_name as table, column_name as column, data_type as type, udt_name as udt,
         character_maximum_length as length, is_nullable = 'YES' as nullable,
         column_default is not null as "hasDefault",
         is_generated = 'ALWAYS' or is_identity = 'YES' as generated
       from information_schema.columns c
       where table_schema = $1
         and exists (select 1 from information_schema.tables t where t.table_schema = c.table_schema
                     and t.table_name = c.table_name and t.table_type = 'BASE TABLE')
       order by table_name, ordinal_position`,
      [schema],
    );
    // Single-column CHECKs `col = any (array['a'::text, …])`: the first allowed value.
    const checks = await db.query<{ table: string; column: string; def: string }>(
      `select t.relname as table, a.attname as column, pg_get_constraintdef(c.oid) as def
       from pg_constraint c
       join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
       join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
       where c.contype = 'c' and n.nspname = $1 and cardinality(c.conkey) = 1`,
      [schema],
    );
    const enums = new Map<string, string>();
    for (const c of checks.rows) {
      const first = /ANY \(ARRAY\['([^']*)'/.exec(c.def)?.[1];
      if (first !== undefined) enums.set(`${c.table}.${c.column}`, first);
    }
    const tenantOwned = new Set(columns.rows.filter((c) => c.column === 'tenant_id').map((c) => c.table));
    catalog.set(schema, { fks: fks.rows, columns: columns.rows, tenantOwned, enums });
  }
}, 120000);

afterAll(async () => {
  await db?.end();
  for (const orm of orms) await orm.close(true);
});

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Inserts a row of `table` for `tenantId` with `values` and valid defaults for every other NOT NULL column; returns its id. */
async function insertRow(
  schema: Schema,
  table: string,
  tenantId: string,
  values: Record<string, unknown> = {},
): Promise<string> {
  const { columns, enums } = catalog.get(schema)!;
  const id = randomUUID();
  // A table keyed by its parent's id (gym's member_photos: the member's) has no id of its own.
  const hasId = columns.some((c) => c.table === table && c.column === 'id');
  const row: Record<string, unknown> = {
    ...(hasId && { id }),
    tenant_id: tenantId,
    ...ROW_OF[`${schema}.${table}`]?.(values),
    ...values,
  };
  for (const c of columns.filter((col) => col.table === table)) {
    if (c.column in row || c.generated || c.nullable || c.hasDefault) continue;
    row[c.column] = valueFor(c, enums.get(`${table}.${c.column}`));
  }
  const names = Object.keys(row);
  await db.query(
    `insert into ${q(schema)}.${q(table)} (${names.map(q).join(', ')}) values (${names.map((_, i) => `$${i + 1}`).join(', ')})`,
    Object.values(row),
  );
  return id;
}

function valueFor(c: Column, enumValue: string | undefined): unknown {
  if (enumValue !== undefined) return enumValue;
  if (c.column in VALUE_OF) return VALUE_OF[c.column];
  switch (c.udt) {
    case 'uuid':
      return randomUUID();
    case 'int2':
    case 'int4':
    case 'int8':
      return 1;
    case 'float4':
    case 'float8':
    case 'numeric':
      return 0;
    case 'bool':
      return false;
    case 'json':
    case 'jsonb':
      return {};
    case 'timestamptz':
    case 'timestamp':
    case 'date':
      return new Date();
    default:
      if (c.type === 'ARRAY') return '{}';
      return `x${randomBytes(8).toString('hex')}`.slice(0, c.length ?? 17);
  }
}

/** The schema's foreign keys `(tenant_id, x_id)` to a tenant-owned table. */
const composite = (schema: Schema): Fk[] =>
  catalog
    .get(schema)!
    .fks.filter((fk) => catalog.get(schema)!.tenantOwned.has(fk.references))
    .filter((fk) => fk.columns.length === 2 && fk.columns[0] === 'tenant_id');

interface Outcome {
  fk: string;
  code?: string;
  constraint?: string;
}

/**
 * In one rolled-back transaction with only `fk` immediate: a parent of `parentTenant`, and a child of
 * tenant A pointing at it (its other references at parents of tenant A, for the triggers that read
 * them, e.g. a posting's account).
 */
async function attempt(schema: Schema, fk: Fk, tenantA: string, parentTenant: string): Promise<Outcome> {
  const groups = EXCLUSIVE[`${schema}.${fk.table}`] ?? [];
  const excludes = (a: string, b: string) => groups.some((g) => g.includes(a) && g.includes(b));
  const others: Fk[] = [];
  for (const o of composite(schema).filter((x) => x.table === fk.table && x.name !== fk.name))
    if (![fk, ...others].some((c) => excludes(c.columns[1]!, o.columns[1]!))) others.push(o);
  await db.query('begin');
  try {
    await db.query(`set constraints ${q(schema)}.${q(fk.name)} immediate`);
    const values: Record<string, unknown> = {};
    for (const o of others) values[o.columns[1]!] = await insertRow(schema, o.references, tenantA);
    values[fk.columns[1]!] = await insertRow(schema, fk.references, parentTenant);
    try {
      await insertRow(schema, fk.table, tenantA, values);
      return { fk: fk.name };
    } catch (err) {
      const e = err as { code?: string; constraint?: string };
      return { fk: fk.name, code: e.code, constraint: e.constraint };
    }
  } finally {
    await db.query('rollback');
  }
}

describe.each(SCHEMAS)('%s schema', (schema) => {
  it('every foreign key to a tenant-owned table is (tenant_id, x_id) → (tenant_id, id)', () => {
    const { fks, tenantOwned } = catalog.get(schema)!;
    const toTenantOwned = fks.filter(
      (fk) => tenantOwned.has(fk.references) && !SAME_BRANCH_KEYS.has(fk.name),
    );
    const sameBranch = fks.filter((fk) => SAME_BRANCH_KEYS.has(fk.name));
    expect(sameBranch.map((fk) => [fk.columns, fk.refColumns])).toEqual(
      sameBranch.map((fk) => [
        ['tenant_id', fk.columns[1], 'branch_id'],
        ['tenant_id', 'id', 'branch_id'],
      ]),
    );
    expect(toTenantOwned.length).toBeGreaterThanOrEqual(AT_LEAST[schema]);
    expect(
      toTenantOwned.map((fk) => ({
        fk: fk.name,
        columns: fk.columns.length,
        first: fk.columns[0],
        ref: fk.refColumns,
      })),
    ).toEqual(
      toTenantOwned.map((fk) => ({ fk: fk.name, columns: 2, first: 'tenant_id', ref: ['tenant_id', 'id'] })),
    );
  });

  it("refuses a child row pointing at another tenant's row, for every composite key (23503)", async () => {
    const fks = composite(schema);
    const [a, b] = [randomUUID(), randomUUID()];
    const outcomes: Outcome[] = [];
    for (const fk of fks) outcomes.push(await attempt(schema, fk, a, b));
    expect(outcomes).toEqual(fks.map((fk) => ({ fk: fk.name, code: '23503', constraint: fk.name })));
  });

  it("accepts a child row pointing at its own tenant's row, for every composite key", async () => {
    const fks = composite(schema);
    const a = randomUUID();
    const outcomes: Outcome[] = [];
    for (const fk of fks) outcomes.push(await attempt(schema, fk, a, a));
    expect(outcomes).toEqual(fks.map((fk) => ({ fk: fk.name })));
  });

  it('every *_id uuid column of a tenant-owned table has a composite key, or is a listed cross-service reference', () => {
    const { columns, tenantOwned } = catalog.get(schema)!;
    const tables = new Set(columns.map((c) => c.table));
    const covered = new Set(composite(schema).map((fk) => `${fk.table}.${fk.columns[1]}`));
    const names = (stem: string) => [stem, `${stem}s`, `${stem}es`, stem.replace(/y$/, 'ies')];
    const refs = columns.filter(
      (c) =>
        tenantOwned.has(c.table) && c.udt === 'uuid' && /._id$/.test(c.column) && c.column !== 'tenant_id',
    );
    const unclassified = refs
      .filter((c) => !covered.has(`${c.table}.${c.column}`))
      .filter((c) => {
        const key = `${schema}.${c.table}.${c.column}`;
        if (key in NAMED_LIKE_OWN_TABLE) return false;
        const namesOwnTable = names(c.column.replace(/_id$/, '')).some((t) => tables.has(t));
        return namesOwnTable || !(key in APPLICATION_CHECKED);
      })
      .map((c) => `${schema}.${c.table}.${c.column}`);
    expect(unclassified).toEqual([]);
    // The list names real columns (a renamed or removed one is taken off it).
    const listed = Object.keys(APPLICATION_CHECKED).filter((k) => k.startsWith(`${schema}.`));
    const existing = new Set(refs.map((c) => `${schema}.${c.table}.${c.column}`));
    expect(listed.filter((k) => !existing.has(k))).toEqual([]);
    const named = Object.keys(NAMED_LIKE_OWN_TABLE).filter((k) => k.startsWith(`${schema}.`));
    expect(named.filter((k) => !existing.has(k) || covered.has(k.slice(schema.length + 1)))).toEqual([]);
  });
});

it("system work (tenant filter off) cannot give a user another tenant's role: the database refuses the flush", async () => {
  const identity = orms[0]!;
  const slug = () => `t-${randomBytes(6).toString('hex')}`;
  const tenant = {
    kind: 'restaurant',
    currency: 'ARS',
    locale: 'es-AR',
    timeZone: 'America/Argentina/Buenos_Aires',
  } as const;
  const ids = await asSystem(() =>
    withEm(identity, async (em) => {
      const a = em.create(Tenant, { ...tenant, slug: slug(), name: 'A' });
      const b = em.create(Tenant, { ...tenant, slug: slug(), name: 'B' });
      const roleA = em.create(Role, { tenantId: a.id, name: 'staff', permissions: [] });
      const roleB = em.create(Role, { tenantId: b.id, name: 'staff', permissions: [] });
      const user = em.create(User, { tenantId: a.id, email: `${slug()}@example.com`, name: 'U' });
      await em.flush();
      return { a: a.id, user: user.id, roleA: roleA.id, roleB: roleB.id };
    }),
  );
  const assign = (roleId: string) =>
    asSystem(() =>
      withEm(identity, async (em) => {
        em.create(UserRole, { tenantId: ids.a, userId: ids.user, roleId, branchId: null });
        await em.flush();
      }),
    );
  await expect(assign(ids.roleB)).rejects.toMatchObject({ code: '23503', constraint: 'user_roles_role_fk' });
  await expect(assign(ids.roleA)).resolves.toBeUndefined();
});
