import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { jest } from '@jest/globals';
import {
  createMigration,
  createOrm,
  loadMigrations,
  migrateCli,
  pendingMigrations,
  runMigrations,
  type Orm,
} from '../../src/db/index.ts';
import { testDatabaseUrl } from '../../src/testing/database.ts';
import { ROOT } from '../../src/testing/env.ts';
import { entities } from './fixtures/entities.ts';
import { FIXTURE_MIGRATIONS, dropSchema, withClient } from './helpers.ts';

const SCHEMA = 'platform_test_migrator';
const OTHER = 'platform_test_migrator_other';

let url: string;
let dir: string;
const open: Orm[] = [];
const orm = async () => {
  const o = await createOrm({ url, schema: SCHEMA, entities, migrationsPath: dir, poolMax: 2 });
  open.push(o);
  return o;
};

beforeAll(async () => {
  url = await testDatabaseUrl();
  await dropSchema(url, SCHEMA);
  // Another service's schema in the same database, which generated migrations must never touch.
  await dropSchema(url, OTHER);
  await withClient(url, (c) =>
    c.query(`create schema "${OTHER}"; create table "${OTHER}".accounts (id uuid primary key)`),
  );
  // Inside the (git-ignored) repo cache, so the generated file resolves `@mikro-orm/migrations`.
  await mkdir(path.join(ROOT, '.cache/tmp'), { recursive: true });
  dir = await mkdtemp(path.join(ROOT, '.cache/tmp/migrations-'));
});

afterAll(async () => {
  for (const o of open) await o.close(true);
  await dropSchema(url, SCHEMA);
  await dropSchema(url, OTHER);
  await rm(dir, { recursive: true, force: true });
});

it('loads the TypeScript migrations of a folder in order, named after their files', async () => {
  const list = await loadMigrations(FIXTURE_MIGRATIONS);
  expect(list.map((m) => m.name)).toEqual(['Migration20260101000000_items']);
  expect(typeof list[0]?.class).toBe('function');
  expect(await loadMigrations(path.join(dir, 'missing'))).toEqual([]);
});

it('create generates a TS migration from the entity diff, which then runs up and down', async () => {
  const first = await orm();
  const fileName = await createMigration(first, { name: 'init' });
  if (!fileName) throw new Error('no migration generated');
  expect(fileName).toMatch(/^Migration\d{14}_init\.ts$/);
  const files = await readdir(dir);
  expect(files.sort()).toEqual(['.snapshot.json', fileName]);
  const source = await readFile(path.join(dir, fileName), 'utf8');
  expect(source).toContain(`create table "${SCHEMA}"."items"`);
  expect(source).toContain(`create table "${SCHEMA}"."currencies"`);
  // Only this service's schema: the other schemas of the database are left alone.
  expect(source).not.toContain(OTHER);
  expect(source.match(/"platform_\w+"\./g)?.every((m) => m === `"${SCHEMA}".`)).toBe(true);
  expect(source).toContain('extends Migration');
  expect(source).not.toMatch(/(create|drop) schema/); // runMigrations owns the schema

  // A new process (ORM) picks the generated file up without a compile step.
  const second = await orm();
  const name = fileName.replace(/\.ts$/, '');
  expect(await pendingMigrations(second)).toEqual([name]);
  expect(await runMigrations(second)).toEqual([name]);
  expect(await pendingMigrations(second)).toEqual([]);

  // Entities unchanged since the snapshot: nothing to generate.
  expect(await createMigration(second)).toBeUndefined();
  expect(await readdir(dir)).toHaveLength(2);

  const reverted = await second.migrator.down();
  expect(reverted.map((m) => m.name)).toEqual([name]);
  expect(await pendingMigrations(second)).toEqual([name]);
});

it('migrateCli runs up / pending and reports through its exit code', async () => {
  const out: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(await migrateCli(orm, ['pending'])).toBe(1);
    expect(await migrateCli(orm, ['up'])).toBe(0);
    expect(await migrateCli(orm, ['pending'])).toBe(0);
    expect(await migrateCli(orm, ['bogus'])).toBe(64);
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
  expect(out.join('')).toMatch(
    /Migration\d{14}_init\n[\s\S]*applied Migration\d{14}_init\n[\s\S]*no pending migrations\n/,
  );
});
