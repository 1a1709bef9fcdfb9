/**
 * The table every HTTP peer reads: `bench.orders` in its own database (faena_bench_http), seeded
 * with `rows` rows of other tenants plus the one row the benchmarks ask for (the caller's tenant).
 */
import { defineEntity, p } from '@mikro-orm/core';
import pg from 'pg';
import { idProperty, tenantProperty } from '@faena/platform';
import { testStack } from '@faena/platform/testing';

/** A bench order as every peer answers it: the entity over `bench.orders`. */
export const BenchOrder = defineEntity({
  name: 'BenchOrder',
  tableName: 'orders',
  properties: {
    ...idProperty,
    ...tenantProperty,
    userId: p.uuid(),
    number: p.integer(),
    status: p.string().length(16),
    total: p.bigint('string'),
    currency: p.string().length(3),
    createdAt: p.datetime().columnType('timestamptz'),
  },
});

export const ORDER_ID = '0190b5a4-8f5e-7c3a-9b1e-3f2a1c0d9e8f';

export function benchDatabaseUrl(name = 'faena_bench_http'): string {
  const url = new URL(testStack.postgresAdminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops and creates the database, creates bench.orders and seeds it. */
export async function seedOrders(opts: { rows: number; tenantId: string; userId: string }): Promise<string> {
  const admin = new pg.Client({ connectionString: testStack.postgresAdminUrl });
  await admin.connect();
  await admin.query('drop database if exists faena_bench_http with (force)');
  await admin.query('create database faena_bench_http');
  await admin.end();
  const url = benchDatabaseUrl();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`create schema bench;
    create table bench.orders (
      id uuid primary key,
      tenant_id uuid not null,
      user_id uuid not null,
      number integer not null,
      status varchar(16) not null,
      total bigint not null,
      currency char(3) not null,
      created_at timestamptz not null default now()
    );
    create index on bench.orders (tenant_id);`);
  await c.query(
    `insert into bench.orders (id, tenant_id, user_id, number, status, total, currency)
     select gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), n, 'open', n * 100, 'ARS'
     from generate_series(1, $1::int) n`,
    [Math.max(0, opts.rows - 1)],
  );
  await c.query(
    `insert into bench.orders (id, tenant_id, user_id, number, status, total, currency)
     values ($1, $2, $3, 1, 'open', 125000, 'ARS')`,
    [ORDER_ID, opts.tenantId, opts.userId],
  );
  await c.query('analyze bench.orders');
  await c.end();
  return url;
}
