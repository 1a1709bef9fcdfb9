import type { AnyEntity, Constructor, EntityClass, EntitySchema, MigrationObject } from '@mikro-orm/core';
import { Migrator, type Migration } from '@mikro-orm/migrations';
import { MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { notFound } from '../http/errors.ts';
import type { Logger } from '../logger.ts';
import { ServiceMigrationGenerator } from './generator.ts';
import { TenantGuardSubscriber, defaultFilters } from './guards.ts';
import { loadMigrations } from './migrations.ts';
import { guardPool } from './pool-guard.ts';

export type Orm = MikroORM;
export type MigrationList = (MigrationObject | Constructor<Migration>)[];

export interface CreateOrmOptions {
  /** `DATABASE_URL` (postgres://user:pass@host:port/db). */
  url: string;
  /** The service's PostgreSQL schema (`identity`, `payments`, ...): default schema of every entity and home of its migrations table. */
  schema: string;
  entities: (EntitySchema | EntityClass<AnyEntity>)[];
  /**
   * Folder of the service's migrations (`services/<name>/src/migrations`). Its `Migration*.ts` files
   * are imported by `createOrm` (see `loadMigrations`) unless `migrations` lists them explicitly;
   * `migrate create` writes new files (and the `.snapshot.json` of the schema) there.
   */
  migrationsPath?: string;
  /** Explicit migration classes, in order; wins over discovery in `migrationsPath`. */
  migrations?: MigrationList;
  /** `DATABASE_POOL_MAX`. */
  poolMax?: number;
  /** Bounds on every wait for the database (see `DB_TIMEOUTS`); a long migration may raise `statementMs`. */
  timeouts?: Partial<DbTimeouts>;
  /** Logs every query through `logger` (or MikroORM's console logger). */
  debug?: boolean;
  logger?: Logger;
}

export interface DbTimeouts {
  /** Opening a connection, and waiting for a free one in the pool. */
  connectMs: number;
  /** Server side: a statement running longer is cancelled by PostgreSQL. */
  statementMs: number;
  /** Client side: a query without an answer (a server that vanished without closing the socket). */
  queryMs: number;
  /** Server side: a transaction left open without a statement (its client died) is ended. */
  idleInTransactionMs: number;
}

/**
 * No wait for the database is unbounded. Without these a PostgreSQL crash in the middle of
 * transactions left a worker holding connections (and activity slots) that never answered: the pool
 * queued every later acquire forever, and the worker went silent until it was restarted
 * (`make chaos`, seed 1315612907). With them every call fails within seconds, the activity is
 * retried by Temporal, and the pool replaces the dead connections.
 */
export const DB_TIMEOUTS: DbTimeouts = {
  connectMs: 5000,
  statementMs: 30000,
  queryMs: 35000,
  idleInTransactionMs: 60000,
};

/**
 * An initialised MikroORM for one service: PostgreSQL driver, the service schema as default schema,
 * the `tenant` and `softDelete` filters on by default, the tenant write guard, and the Migrator.
 *
 * Migrations are TypeScript classes handed to MikroORM as `migrationsList` (never file discovery by
 * MikroORM itself): they are imported by `loadMigrations(migrationsPath)` through plain `import()`,
 * which works the same under Node 24 type stripping and under jest. Nothing touches the schema at
 * boot: `runMigrations(orm)` (a deploy step / `migrate.ts up`, and test setup) applies them.
 *
 * `em.findOneOrFail()` throws `DomainError('NOT_FOUND')`, which the HTTP error middleware answers
 * with 404 — also for another tenant's row, which the tenant filter makes invisible.
 *
 * The global `orm.em` refuses to run queries (`allowGlobalContext: false`): use the request-scoped
 * EM (`requestContextMiddleware`) or `withEm(orm, fn)`.
 */
export async function createOrm(opts: CreateOrmOptions): Promise<Orm> {
  const migrationsList =
    opts.migrations ?? (opts.migrationsPath ? await loadMigrations(opts.migrationsPath) : []);
  const log = opts.logger;
  const t = { ...DB_TIMEOUTS, ...opts.timeouts };
  return MikroORM.init({
    driver: PostgreSqlDriver,
    clientUrl: opts.url,
    schema: opts.schema,
    entities: opts.entities,
    pool: { max: opts.poolMax ?? 10, idleTimeoutMillis: 30000 },
    // `pg` Pool/Client options, merged into MikroORM's own.
    driverOptions: {
      connectionTimeoutMillis: t.connectMs,
      statement_timeout: t.statementMs,
      query_timeout: t.queryMs,
      idle_in_transaction_session_timeout: t.idleInTransactionMs,
      keepAlive: true,
      onPoolCreated: guardPool,
    },
    extensions: [Migrator],
    filters: defaultFilters,
    subscribers: [new TenantGuardSubscriber()],
    // The database exists (provisioned, or `testDatabaseUrl()`); schemas come from migrations.
    ensureDatabase: false,
    allowGlobalContext: false,
    // `em.findOneOrFail()` of a missing row (or of another tenant's: the filter hides it) is a 404.
    findOneOrFailHandler: (entityName: string) => notFound(entityName),
    forceUtcTimezone: true,
    debug: opts.debug ?? false,
    ...(log && { logger: (message: string) => log.debug(message, { component: 'mikro-orm' }) }),
    migrations: {
      migrationsList,
      // Used by `create` (new files + snapshot); `migrationsList` is what runs.
      ...(opts.migrationsPath && { path: opts.migrationsPath }),
      schema: opts.schema,
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      emit: 'ts',
      generator: ServiceMigrationGenerator,
      snapshot: true,
      // The snapshot is authored by `create` only: running migrations (tests, deploys) never rewrites files.
      snapshotOnMigrate: false,
      snapshotName: '.snapshot',
      silent: !opts.debug,
    },
  });
}
