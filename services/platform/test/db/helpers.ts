import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createOrm, runMigrations, type Orm } from '../../src/db/index.ts';
import { testDatabaseUrl } from '../../src/testing/database.ts';
import { entities } from './fixtures/entities.ts';

export const FIXTURE_MIGRATIONS = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'fixtures/migrations',
);

/** Runs `fn` with a plain pg client on `url` (outside the ORM and its filters). */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Drops `schema` (leftovers of a previous run) in this worker's database. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  await withClient(url, (c) => c.query(`drop schema if exists "${schema}" cascade`));
}

/** A fresh schema with the fixture entities, migrated up. */
export async function migratedOrm(schema: string): Promise<{ orm: Orm; url: string; applied: string[] }> {
  const url = await testDatabaseUrl();
  await dropSchema(url, schema);
  const orm = await createOrm({ url, schema, entities, migrationsPath: FIXTURE_MIGRATIONS, poolMax: 4 });
  const applied = await runMigrations(orm);
  return { orm, url, applied };
}
