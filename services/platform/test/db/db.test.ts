import { RequestContext, ValidationError } from '@mikro-orm/core';
import pg from 'pg';
import { runWithContext } from '../../src/context.ts';
import { DomainError } from '../../src/http/errors.ts';
import {
  TenantContextError,
  asSystem,
  createOrm,
  currentEm,
  dbHealthCheck,
  pendingMigrations,
  requestContextMiddleware,
  runMigrations,
  withEm,
  type Orm,
} from '../../src/db/index.ts';
import { Currency, Item } from './fixtures/entities.ts';
import { FIXTURE_MIGRATIONS, migratedOrm } from './helpers.ts';
import { entities } from './fixtures/entities.ts';

const SCHEMA = 'platform_test_db';
const TENANT_A = '01900000-0000-7000-8000-00000000000a';
const TENANT_B = '01900000-0000-7000-8000-00000000000b';
const USER_A = '01900000-0000-7000-8000-0000000000f1';
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let orm: Orm;
let url: string;
let applied: string[];
let sql: pg.Client;

const asTenant = <T>(tenantId: string, fn: (em: Orm['em']) => Promise<T>, userId?: string): Promise<T> =>
  runWithContext({ tenantId, ...(userId && { userId }) }, () => withEm(orm, fn));

const createItem = (tenantId: string, name: string, amount = 100n, userId?: string): Promise<Item> =>
  asTenant(
    tenantId,
    async (em) => {
      const item = em.create(Item, { name, amount });
      await em.flush();
      return item;
    },
    userId,
  );

/** The row as stored, bypassing the ORM and its filters. */
const rawRow = async (id: string) =>
  (await sql.query(`select *, amount::text as amount_text from "${SCHEMA}".items where id = $1`, [id]))
    .rows[0] as Record<string, unknown> | undefined;

beforeAll(async () => {
  ({ orm, url, applied } = await migratedOrm(SCHEMA));
  sql = new pg.Client({ connectionString: url });
  await sql.connect();
});

afterAll(async () => {
  await sql?.end();
  await orm?.close(true);
});

describe('migrations', () => {
  it('applies the pending migrations into the service schema and leaves none pending', async () => {
    expect(applied).toEqual(['Migration20260101000000_items']);
    expect(await pendingMigrations(orm)).toEqual([]);
    expect(await runMigrations(orm)).toEqual([]);
    const { rows } = await sql.query<{ table_name: string }>(
      'select table_name from information_schema.tables where table_schema = $1 order by table_name',
      [SCHEMA],
    );
    expect(rows.map((r) => r.table_name)).toEqual(['currencies', 'items', 'mikro_orm_migrations']);
  });

  it('creates timestamptz columns, bigint money and uuid ids', async () => {
    const { rows } = await sql.query<{ column_name: string; data_type: string }>(
      "select column_name, data_type from information_schema.columns where table_schema = $1 and table_name = 'items'",
      [SCHEMA],
    );
    const types = Object.fromEntries(rows.map((r) => [r.column_name, r.data_type]));
    expect(types).toMatchObject({
      id: 'uuid',
      tenant_id: 'uuid',
      amount: 'bigint',
      created_at: 'timestamp with time zone',
      updated_at: 'timestamp with time zone',
      deleted_at: 'timestamp with time zone',
      created_by: 'uuid',
    });
  });

  it('does not create or alter the schema at init: a new ORM on an empty schema sees pending migrations', async () => {
    const other = await createOrm({
      url,
      schema: 'platform_test_db_empty',
      entities,
      migrationsPath: FIXTURE_MIGRATIONS,
    });
    try {
      await sql.query('drop schema if exists platform_test_db_empty cascade');
      const { rowCount } = await sql.query(
        "select 1 from information_schema.schemata where schema_name = 'platform_test_db_empty'",
      );
      expect(rowCount).toBe(0);
      expect(await pendingMigrations(other)).toEqual(['Migration20260101000000_items']);
    } finally {
      await other.close(true);
      await sql.query('drop schema if exists platform_test_db_empty cascade');
    }
  });
});

describe('ids', () => {
  it('generates UUIDv7 primary keys at create time, in increasing order', async () => {
    const ids = await asTenant(TENANT_A, async (em) => {
      const a = em.create(Item, { name: 'a', amount: 1n });
      const b = em.create(Item, { name: 'b', amount: 2n });
      expect(a.id).toMatch(UUID_V7); // known before the flush
      await em.flush();
      return [a.id, b.id];
    });
    expect(ids[0]).toMatch(UUID_V7);
    expect(ids[1]).toMatch(UUID_V7);
    expect(ids[0]! < ids[1]!).toBe(true);
    expect((await rawRow(ids[0]!))?.id).toBe(ids[0]);
  });
});

describe('money', () => {
  it('round-trips bigint minor units beyond 2^53 without precision loss', async () => {
    const big = 9007199254740993n; // 2^53 + 1: not representable as a JS number
    const item = await createItem(TENANT_A, 'big', big);
    expect((await rawRow(item.id))?.amount_text).toBe('9007199254740993');
    const loaded = await asTenant(TENANT_A, (em) => em.findOneOrFail(Item, item.id));
    expect(typeof loaded.amount).toBe('bigint');
    expect(loaded.amount).toBe(big);
    await asTenant(TENANT_A, async (em) => {
      const it = await em.findOneOrFail(Item, item.id);
      it.amount = it.amount * 1000n + 7n;
      await em.flush();
    });
    expect((await rawRow(item.id))?.amount_text).toBe('9007199254740993007');
  });
});

describe('tenant isolation', () => {
  it('sets tenant_id from the context and scopes reads to the context tenant', async () => {
    const a = await createItem(TENANT_A, 'secret of A');
    const b = await createItem(TENANT_B, 'note of B');
    expect(a.tenantId).toBe(TENANT_A);
    expect((await rawRow(a.id))?.tenant_id).toBe(TENANT_A);

    await asTenant(TENANT_B, async (em) => {
      expect(await em.findOne(Item, a.id)).toBeNull();
      expect(await em.findOne(Item, { name: 'secret of A' })).toBeNull();
      const all = await em.find(Item, {});
      expect(all.length).toBeGreaterThan(0);
      expect(all.every((i) => i.tenantId === TENANT_B)).toBe(true);
      expect(all.map((i) => i.id)).toContain(b.id);
      expect(await em.count(Item, { id: [a.id, b.id] })).toBe(1);
      // findOneOrFail of another tenant's row is the HTTP 404 DomainError
      await expect(em.findOneOrFail(Item, a.id)).rejects.toMatchObject({
        code: 'NOT_FOUND',
        status: 404,
        message: 'Item not found',
      });
      await expect(em.findOneOrFail(Item, a.id)).rejects.toBeInstanceOf(DomainError);
    });
    await asTenant(TENANT_A, async (em) => {
      expect((await em.findOneOrFail(Item, a.id)).name).toBe('secret of A');
      expect(await em.findOne(Item, b.id)).toBeNull();
    });
  });

  it("cannot update or delete another tenant's row", async () => {
    const a = await createItem(TENANT_A, 'untouchable', 500n);
    await asTenant(TENANT_B, async (em) => {
      expect(await em.nativeUpdate(Item, { id: a.id }, { name: 'hacked' })).toBe(0);
      expect(await em.nativeDelete(Item, { id: a.id })).toBe(0);
      // A flush writes by primary key: the guard refuses entities not loaded for this tenant.
      const ref = em.getReference(Item, a.id);
      ref.name = 'hacked';
      await expect(em.flush()).rejects.toThrow(TenantContextError);
    });
    await asTenant(TENANT_B, async (em) => {
      em.remove(em.getReference(Item, a.id));
      await expect(em.flush()).rejects.toThrow(TenantContextError);
    });
    const row = await rawRow(a.id);
    expect(row).toMatchObject({ name: 'untouchable', amount_text: '500', deleted_at: null });
  });

  it('refuses to create rows for another tenant or to move a row to another tenant', async () => {
    await expect(
      asTenant(TENANT_B, async (em) => {
        em.create(Item, { name: 'smuggled', amount: 1n, tenantId: TENANT_A });
        await em.flush();
      }),
    ).rejects.toThrow(TenantContextError);
    const a = await createItem(TENANT_A, 'stays home');
    await expect(
      asTenant(TENANT_A, async (em) => {
        const it = await em.findOneOrFail(Item, a.id);
        it.tenantId = TENANT_B;
        await em.flush();
      }),
    ).rejects.toThrow(TenantContextError);
    expect((await rawRow(a.id))?.tenant_id).toBe(TENANT_A);
    const { rowCount } = await sql.query(`select 1 from "${SCHEMA}".items where name = 'smuggled'`);
    expect(rowCount).toBe(0);
  });

  it('fails closed without a tenant in context, unless run as system or with the filter disabled', async () => {
    const a = await createItem(TENANT_A, 'system-visible A');
    const b = await createItem(TENANT_B, 'system-visible B');
    const ids = { id: [a.id, b.id] };
    await expect(withEm(orm, (em) => em.find(Item, ids))).rejects.toThrow(TenantContextError);
    await expect(withEm(orm, (em) => em.findOne(Item, a.id))).rejects.toThrow(TenantContextError);
    await expect(withEm(orm, (em) => em.nativeDelete(Item, ids))).rejects.toThrow(TenantContextError);
    await expect(
      withEm(orm, async (em) => {
        em.create(Item, { name: 'orphan', amount: 1n });
        await em.flush();
      }),
    ).rejects.toThrow(TenantContextError);

    expect(await withEm(orm, (em) => em.count(Item, ids), { system: true })).toBe(2);
    expect(await asSystem(() => withEm(orm, (em) => em.count(Item, ids)))).toBe(2);
    expect(await withEm(orm, (em) => em.count(Item, ids, { filters: { tenant: false } }))).toBe(2);
    expect(
      await withEm(orm, (em) => em.count(Item, ids, { filters: { tenant: { tenantId: TENANT_B } } })),
    ).toBe(1);
    // A system job creating tenant rows must name the tenant.
    const created = await withEm(
      orm,
      async (em) => {
        const it = em.create(Item, { name: 'by system', amount: 1n, tenantId: TENANT_B });
        await em.flush();
        return it;
      },
      { system: true },
    );
    expect((await rawRow(created.id))?.tenant_id).toBe(TENANT_B);
  });

  it('leaves entities without tenant_id alone', async () => {
    await withEm(orm, async (em) => {
      em.create(Currency, { code: 'EUR', minorUnits: 2 });
      await em.flush();
    });
    const eur = await withEm(orm, (em) => em.findOne(Currency, 'EUR'));
    expect(eur?.minorUnits).toBe(2);
    expect(await asTenant(TENANT_A, (em) => em.count(Currency, {}))).toBe(1);
  });
});

describe('soft delete', () => {
  it('em.remove() sets deleted_at; deleted rows are hidden by default and can be included explicitly', async () => {
    const item = await createItem(TENANT_A, 'to delete');
    await asTenant(TENANT_A, async (em) => {
      em.remove(await em.findOneOrFail(Item, item.id));
      await em.flush();
    });
    const row = await rawRow(item.id);
    expect(row).toBeDefined();
    expect(row?.deleted_at).toBeInstanceOf(Date);

    await asTenant(TENANT_A, async (em) => {
      expect(await em.findOne(Item, item.id)).toBeNull();
      expect((await em.find(Item, {})).map((i) => i.id)).not.toContain(item.id);
      const withDeleted = await em.findOne(Item, item.id, { filters: { softDelete: false } });
      expect(withDeleted?.deletedAt).toBeInstanceOf(Date);
      expect(withDeleted?.name).toBe('to delete');
    });
    // Including deleted rows does not lift the tenant filter.
    await asTenant(TENANT_B, async (em) => {
      expect(await em.findOne(Item, item.id, { filters: { softDelete: false } })).toBeNull();
    });
  });
});

describe('audit fields', () => {
  it('records created_by from the context user, created_at, and bumps updated_at on update', async () => {
    const before = Date.now();
    const item = await createItem(TENANT_A, 'audited', 1n, USER_A);
    expect(item.createdBy).toBe(USER_A);
    expect(item.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(item.updatedAt.getTime()).toBe(item.createdAt.getTime());
    expect((await rawRow(item.id))?.created_by).toBe(USER_A);

    await new Promise((r) => setTimeout(r, 15));
    await asTenant(TENANT_A, async (em) => {
      const it = await em.findOneOrFail(Item, item.id);
      it.name = 'audited, renamed';
      await em.flush();
    });
    const row = await rawRow(item.id);
    expect((row?.updated_at as Date).getTime()).toBeGreaterThan(item.updatedAt.getTime());
    expect((row?.created_at as Date).getTime()).toBe(item.createdAt.getTime());
    expect(row?.created_by).toBe(USER_A);
  });

  it('leaves created_by null without a user in context', async () => {
    const item = await createItem(TENANT_A, 'anonymous');
    expect((await rawRow(item.id))?.created_by).toBeNull();
  });
});

describe('request context', () => {
  it('gives concurrent requests separate identity maps', async () => {
    const item = await createItem(TENANT_A, 'shared');
    const middleware = requestContextMiddleware(orm);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const loaded: { em: Orm['em']; entity: Item }[] = [];

    const request = (rename?: string): Promise<void> =>
      runWithContext({ tenantId: TENANT_A }, async () => {
        await middleware({} as never, async () => {
          const em = currentEm();
          expect(RequestContext.getEntityManager()).toBe(em);
          expect(orm.em.getContext()).toBe(em); // the global EM resolves to the request's fork
          const entity = await em.findOneOrFail(Item, item.id);
          loaded.push({ em, entity });
          if (loaded.length === 2) open();
          await gate; // both requests are in flight here
          if (rename) entity.name = rename; // unflushed change, local to this request
          await new Promise((r) => setTimeout(r, 5));
          // a re-read in the same request answers from its own identity map
          expect(await em.findOneOrFail(Item, item.id)).toBe(entity);
        });
      });

    await Promise.all([request('changed in request 1'), request()]);
    expect(loaded).toHaveLength(2);
    const [first, second] = loaded as [(typeof loaded)[0], (typeof loaded)[0]];
    expect(first.em).not.toBe(second.em);
    expect(first.entity).not.toBe(second.entity);
    expect(first.em.getUnitOfWork().getIdentityMap().values()).toContain(first.entity);
    expect(second.em.getUnitOfWork().getIdentityMap().values()).not.toContain(first.entity);
    const names = [first.entity.name, second.entity.name].sort();
    expect(names).toEqual(['changed in request 1', 'shared']);
  });

  it('refuses queries on the global EntityManager outside a context', async () => {
    await expect(runWithContext({ tenantId: TENANT_A }, () => orm.em.find(Item, {}))).rejects.toThrow(
      ValidationError,
    );
  });

  it('withEm forks a fresh EntityManager per call', async () => {
    const item = await createItem(TENANT_A, 'forked');
    const [x, y] = await Promise.all([
      asTenant(TENANT_A, async (em) => ({ em, entity: await em.findOneOrFail(Item, item.id) })),
      asTenant(TENANT_A, async (em) => ({ em, entity: await em.findOneOrFail(Item, item.id) })),
    ]);
    expect(x.em).not.toBe(y.em);
    expect(x.em).not.toBe(orm.em);
    expect(x.entity).not.toBe(y.entity);
  });
});

describe('health check', () => {
  it('runs select 1 against the database', async () => {
    const check = dbHealthCheck(orm);
    expect(check.name).toBe('postgres');
    await expect(check.check()).resolves.toBeUndefined();
  });
});
