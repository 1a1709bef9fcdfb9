import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Constructor, MigrationObject } from '@mikro-orm/core';
import type { Migration } from '@mikro-orm/migrations';
import { isErrnoException, isRecord } from '../guards.ts';
import type { Orm } from './orm.ts';

const MIGRATION_FILE = /^Migration[^.]*\.ts$/;

const isMigrationClass = (value: unknown): value is Constructor<Migration> => {
  if (typeof value !== 'function') return false;
  const proto: unknown = value.prototype;
  return isRecord(proto) && typeof proto.up === 'function';
};

/**
 * Imports the `Migration*.ts` files of `dir` (in file-name order, i.e. timestamp order) and returns
 * them as MikroORM migration objects named after their file, as MikroORM's own file discovery would.
 * Plain `import()` of TypeScript: Node 24 strips the types, jest transforms them; no compile step.
 */
export async function loadMigrations(dir: string): Promise<MigrationObject[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => MIGRATION_FILE.test(f)).sort();
  } catch (err) {
    if (isErrnoException(err) && err.code === 'ENOENT') return [];
    throw err;
  }
  const list: MigrationObject[] = [];
  for (const file of files) {
    const mod: unknown = await import(pathToFileURL(path.join(dir, file)).href);
    const cls = isRecord(mod) ? Object.values(mod).find(isMigrationClass) : undefined;
    if (!cls) throw new Error(`${file} exports no migration class`);
    list.push({ name: file.replace(/\.ts$/, ''), class: cls });
  }
  return list;
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Creates the service schema if missing and runs every pending migration up (all in one transaction). Returns the names applied. */
export async function runMigrations(orm: Orm): Promise<string[]> {
  const schema = orm.config.get('schema');
  if (schema)
    await orm.em
      .fork()
      .getConnection()
      .execute(`create schema if not exists ${quoteIdent(schema)}`);
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}

/** Names of the migrations not yet applied. */
export async function pendingMigrations(orm: Orm): Promise<string[]> {
  const schema = orm.config.get('schema');
  if (schema)
    await orm.em
      .fork()
      .getConnection()
      .execute(`create schema if not exists ${quoteIdent(schema)}`);
  return (await orm.migrator.getPending()).map((m) => m.name);
}

/**
 * Generates `Migration<timestamp>[_name].ts` in the migrations folder from the difference between the
 * entities and the folder's `.snapshot.json` (then updates the snapshot). Returns the file name, or
 * `undefined` when the entities match the snapshot.
 *
 * The diff never introspects the live database: with one schema per service in a shared database,
 * MikroORM's live diff would also "drop" every other service's tables. When the snapshot does not
 * exist yet (first migration) an empty one is written first, so the first migration creates everything.
 */
export async function createMigration(
  orm: Orm,
  opts: { name?: string; blank?: boolean } = {},
): Promise<string | undefined> {
  const dir = orm.config.get('migrations').path;
  if (!dir) throw new Error('createMigration needs the ORM created with migrationsPath');
  const snapshot = path.join(dir, `${orm.config.get('migrations').snapshotName ?? '.snapshot'}.json`);
  await mkdir(dir, { recursive: true });
  try {
    await writeFile(snapshot, `${JSON.stringify({ namespaces: [], tables: [] }, null, 2)}\n`, { flag: 'wx' });
  } catch (err) {
    if (!isErrnoException(err) || err.code !== 'EEXIST') throw err;
  }
  const result = await orm.migrator.create(dir, opts.blank ?? false, false, opts.name);
  return result.fileName || undefined;
}

const USAGE =
  'usage: node services/<name>/src/migrate.ts up | down | pending | create [name] | create-blank [name]';

/**
 * The body of a service's `src/migrate.ts`:
 *
 * ```ts
 * import { migrateCli, createOrm } from '@faena/platform';
 * process.exitCode = await migrateCli(() => createOrm({ url, schema: 'payments', entities, migrationsPath: path.join(import.meta.dirname, 'migrations') }));
 * ```
 *
 * - `up`: creates the schema and applies pending migrations; `down`: reverts the last one;
 * - `pending`: lists pending ones (exit code 1 when there are some, for CI checks);
 * - `create [name]`: writes `Migration<timestamp>[_name].ts` with the diff between the entities and
 *   the `.snapshot.json` kept next to the migrations (see `createMigration`);
 * - `create-blank [name]`: an empty migration for hand-written SQL / data migrations.
 *
 * Resolves to the process exit code (0; 1 for `pending` with pending migrations; 64 on bad usage).
 */
export async function migrateCli(
  factory: () => Promise<Orm>,
  argv: string[] = process.argv.slice(2),
): Promise<number> {
  const [command, name] = argv;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (!command || !['up', 'down', 'pending', 'create', 'create-blank'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return 64;
  }
  const orm = await factory();
  let code = 0;
  try {
    if (command === 'up') {
      const applied = await runMigrations(orm);
      out(applied.length ? applied.map((m) => `applied ${m}`).join('\n') : 'no pending migrations');
    } else if (command === 'down') {
      const reverted = await orm.migrator.down();
      out(reverted.length ? reverted.map((m) => `reverted ${m.name}`).join('\n') : 'nothing to revert');
    } else if (command === 'pending') {
      const pending = await pendingMigrations(orm);
      out(pending.length ? pending.join('\n') : 'no pending migrations');
      code = pending.length ? 1 : 0;
    } else {
      const fileName = await createMigration(orm, {
        ...(name && { name }),
        blank: command === 'create-blank',
      });
      out(fileName ? `created ${fileName}` : 'no changes: entities match the snapshot');
    }
  } finally {
    await orm.close();
  }
  return code;
}
