/**
 * The one way a Faena process boots. A service's `main.ts` (its API) and `worker.ts` (its
 * activities) are a few lines each: load the config, then `runApi` / `runWorker` with what the
 * service builds from the shared infrastructure (its `wiring.ts`). Order and shutdown are the same
 * everywhere: logger → ORM → Redis → Temporal → auth guard → the service's own parts; on SIGTERM the
 * process drains, then closes what it opened in reverse.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type {
  AuthConfig,
  BaseConfig,
  DatabaseConfig,
  HttpConfig,
  RedisConfig,
  WorkerConfig,
} from './config.ts';
import { dbHealthCheck } from './db/health.ts';
import { createOrm, type CreateOrmOptions, type Orm } from './db/orm.ts';
import { createHttpApp, type HealthCheck, type HttpApp, type Route } from './http/app.ts';
import { requestContextMiddleware } from './db/context.ts';
import { metricsMiddleware } from './telemetry/index.ts';
import { authGuardFromConfig, type AuthGuard } from './http/auth.ts';
import { createLogger, setRootLogger, type Logger } from './logger.ts';
import { redisHealthCheck } from './health.ts';
import { createRedis, type Redis } from './redis.ts';
import { serve, type RunningServer } from './server.ts';
import {
  createTemporalClient,
  createWorker,
  temporalHealthCheck,
  type CreateWorkerOptions,
  type TemporalConfig,
} from './temporal/index.ts';
import { serveWorkerHealth } from './worker-health.ts';

export interface Closer {
  name: string;
  close: () => Promise<unknown>;
}

/** How a service's ORM is made (its `createXOrm` in wiring.ts). */
export type OrmFactory = (config: DatabaseConfig, logger?: Logger) => Promise<Orm>;

/**
 * A service's `createXOrm`: its schema and entities, its migrations in `src/migrations` next to the
 * module at `moduleUrl` (pass `import.meta.url` of its wiring.ts), the pool sized by the config.
 */
export function serviceOrm(opts: {
  schema: string;
  entities: CreateOrmOptions['entities'];
  moduleUrl: string;
}): OrmFactory {
  const migrationsPath = path.join(path.dirname(fileURLToPath(opts.moduleUrl)), 'migrations');
  return (config, logger) =>
    createOrm({
      url: config.DATABASE_URL,
      schema: opts.schema,
      entities: opts.entities,
      migrationsPath,
      poolMax: config.DATABASE_POOL_MAX,
      logger,
    });
}

/** The options every `createApp(deps, options)` takes, read once from the HTTP config. */
export interface AppOptions {
  version?: string;
  corsOrigins?: string[];
  bodyLimit?: string;
  trustedProxies?: number | readonly string[];
}
export const appOptionsFrom = (config: BaseConfig & HttpConfig): AppOptions => ({
  version: config.SERVICE_VERSION,
  corsOrigins: config.CORS_ORIGINS.split(',').filter(Boolean),
  bodyLimit: config.BODY_LIMIT,
  trustedProxies: config.TRUSTED_PROXIES,
});

/**
 * A service's HTTP API the one way: `createHttpApp` with the request-scoped EntityManager, metrics,
 * and readiness on the service's PostgreSQL, Redis and (when it has a client) Temporal.
 */
export function createServiceApp(opts: {
  service: string;
  basePath: string;
  deps: { orm: Orm; redis: Redis; logger: Logger; temporal?: Client };
  options?: AppOptions;
  routes: Route[];
}): HttpApp {
  const { deps, options = {} } = opts;
  return createHttpApp({
    service: opts.service,
    basePath: opts.basePath,
    logger: deps.logger,
    ...options,
    middleware: [requestContextMiddleware(deps.orm)],
    metrics: metricsMiddleware(),
    health: [
      dbHealthCheck(deps.orm),
      redisHealthCheck(deps.redis),
      ...(deps.temporal ? [temporalHealthCheck(deps.temporal.connection)] : []),
    ],
    routes: opts.routes,
  });
}

const startLogger = (config: BaseConfig) =>
  setRootLogger(createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL }));

async function connectRedis(config: RedisConfig & BaseConfig): Promise<Redis> {
  const redis = createRedis(config.REDIS_URL, { name: config.SERVICE_NAME });
  await redis.connect();
  return redis;
}

export interface ApiInfra {
  logger: Logger;
  orm: Orm;
  redis: Redis;
}
/** The infrastructure an API asked for: a Temporal client with `temporal: true`, identity's auth guard with `authGuard: true`. */
export type ApiInfraWith<T extends boolean, G extends boolean> = ApiInfra &
  (T extends true ? { temporal: Client } : unknown) &
  (G extends true ? { guard: AuthGuard } : unknown);

export interface ApiParts {
  app: HttpApp;
  /** Closed after the server stopped, before the infrastructure (guard, Temporal, ORM, Redis). */
  closers?: Closer[];
  /** Called once the server listens (e.g. to attach a WebSocket gateway). */
  onListening?: (running: RunningServer) => void;
}

/** The config an API needs: a Temporal client with `temporal: true` needs its address, the auth guard identity's. */
export type ApiConfigWith<T extends boolean, G extends boolean> = BaseConfig &
  HttpConfig &
  DatabaseConfig &
  RedisConfig &
  (T extends true ? TemporalConfig : unknown) &
  (G extends true ? AuthConfig : unknown);

/** `runApi` as its body sees it: whatever is asked for comes with the config it needs. */
type RunApiOptions = {
  config: ApiConfigWith<false, false>;
  orm: OrmFactory;
  build: (infra: ApiInfra & { temporal?: Client; guard?: AuthGuard }) => ApiParts | Promise<ApiParts>;
} & ({ temporal?: false } | { temporal: true; config: TemporalConfig }) &
  ({ authGuard?: false } | { authGuard: true; config: AuthConfig });

/** Boots an API process: infrastructure, the service's app, listen, graceful shutdown. */
export function runApi<
  C extends ApiConfigWith<T, G>,
  T extends boolean = false,
  G extends boolean = false,
>(opts: {
  config: C;
  orm: OrmFactory;
  temporal?: T;
  authGuard?: G;
  build: (infra: ApiInfraWith<T, G>) => ApiParts | Promise<ApiParts>;
}): Promise<RunningServer>;
export async function runApi(opts: RunApiOptions): Promise<RunningServer> {
  const { config } = opts;
  const logger = startLogger(config);
  const orm = await opts.orm(config, logger);
  const redis = await connectRedis(config);
  const temporal = opts.temporal ? await createTemporalClient(opts.config) : undefined;
  const guard = opts.authGuard ? authGuardFromConfig(opts.config, redis) : undefined;
  // What was asked for is there: `temporal: true` made the client, `authGuard: true` the guard.
  const parts = await opts.build({
    logger,
    orm,
    redis,
    ...(temporal && { temporal }),
    ...(guard && { guard }),
  });
  const running = await serve(parts.app, {
    port: config.PORT,
    host: config.HOST,
    logger,
    drainMs: config.SHUTDOWN_DRAIN_MS,
    graceMs: config.SHUTDOWN_GRACE_MS,
    closers: [
      ...(parts.closers ?? []),
      ...(guard ? [{ name: 'auth-guard', close: () => guard.close() }] : []),
      ...(temporal ? [{ name: 'temporal', close: () => temporal.connection.close() }] : []),
      { name: 'postgres', close: () => orm.close() },
      { name: 'redis', close: () => redis.quit() },
    ],
  });
  parts.onListening?.(running);
  return running;
}

export interface WorkerInfra {
  logger: Logger;
}
/** The infrastructure a worker asked for: its ORM when `orm` is given, Redis with `redis: true`. */
export type WorkerInfraWith<O extends OrmFactory | undefined, R extends boolean> = WorkerInfra &
  (O extends OrmFactory ? { orm: Orm } : unknown) &
  (R extends true ? { redis: Redis } : unknown);

export interface WorkerParts {
  activities?: CreateWorkerOptions['activities'];
  /** Runs beside the Temporal worker until `signal` aborts (SIGTERM): e.g. an outbox dispatcher. */
  background?: (signal: AbortSignal) => Promise<void>;
  /** Closed after the worker stopped, before the infrastructure. */
  closers?: Closer[];
}

type WorkerProcessConfig = BaseConfig & TemporalConfig & Partial<WorkerConfig>;

/** The config a worker needs: the database's with an ORM, Redis's with `redis: true`. */
export type WorkerConfigWith<O extends OrmFactory | undefined, R extends boolean> = WorkerProcessConfig &
  (O extends OrmFactory ? DatabaseConfig : unknown) &
  (R extends true ? RedisConfig : unknown);

/** `runWorker` as its body sees it: whatever is asked for comes with the config it needs. */
type RunWorkerOptions = {
  config: WorkerProcessConfig;
  taskQueue: string;
  worker?: Partial<CreateWorkerOptions>;
  build?: (infra: WorkerInfra & { orm?: Orm; redis?: Redis }) => WorkerParts | Promise<WorkerParts>;
} & ({ orm?: undefined } | { orm: OrmFactory; config: DatabaseConfig }) &
  ({ redis?: false } | { redis: true; config: RedisConfig });

/**
 * Boots a worker process: infrastructure, the service's activities on `taskQueue`, a health port
 * (`PORT`: ready when the database, Redis and Temporal answer), graceful shutdown on SIGTERM.
 */
export function runWorker<
  C extends WorkerConfigWith<O, R>,
  O extends OrmFactory | undefined = undefined,
  R extends boolean = false,
>(opts: {
  config: C;
  taskQueue: string;
  orm?: O;
  redis?: R;
  /** Extra `createWorker` options (e.g. `workflowsPath` for the workflow worker). */
  worker?: Partial<CreateWorkerOptions>;
  build?: (infra: WorkerInfraWith<O, R>) => WorkerParts | Promise<WorkerParts>;
}): Promise<void>;
export async function runWorker(opts: RunWorkerOptions): Promise<void> {
  const { config } = opts;
  const logger = startLogger(config);
  const orm = opts.orm ? await opts.orm(opts.config, logger) : undefined;
  const redis = opts.redis ? await connectRedis(opts.config) : undefined;
  const parts = (await opts.build?.({ logger, ...(orm && { orm }), ...(redis && { redis }) })) ?? {};
  const { worker, connection }: { worker: Worker; connection: NativeConnection } = await createWorker({
    config,
    logger,
    taskQueue: opts.taskQueue,
    ...(config.TEMPORAL_METRICS_PORT !== undefined && {
      metricsBindAddress: `${config.HOST}:${config.TEMPORAL_METRICS_PORT}`,
    }),
    ...(parts.activities && { activities: parts.activities }),
    ...(config.SHUTDOWN_GRACE_MS !== undefined && { shutdownGraceTime: config.SHUTDOWN_GRACE_MS }),
    ...opts.worker,
  });
  const checks: HealthCheck[] = [
    ...(orm ? [dbHealthCheck(orm)] : []),
    ...(redis ? [redisHealthCheck(redis)] : []),
    temporalHealthCheck(connection),
  ];
  const health = await serveWorkerHealth({
    service: config.SERVICE_NAME,
    port: config.PORT,
    host: config.HOST,
    logger,
    health: checks,
  });
  const stopping = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.once(signal, () => {
      stopping.abort();
      worker.shutdown();
    });
  const background = parts.background?.(stopping.signal);
  logger.info('worker running', { taskQueue: opts.taskQueue });
  await worker.run();
  stopping.abort();
  await background;
  await health?.stop();
  for (const c of parts.closers ?? []) await c.close();
  await connection.close();
  await orm?.close();
  await redis?.quit();
  logger.info('stopped');
}
