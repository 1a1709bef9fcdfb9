import { RequestContext, type EntityManager as CoreEntityManager } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import type { Middleware } from 'koa';
import type { Orm } from './orm.ts';
import { asSystem } from './system.ts';

/**
 * Koa middleware giving each request its own EntityManager fork (own identity map and unit of
 * work), reachable as `orm.em` / `RequestContext.getEntityManager()` for the rest of the request.
 * Mount it after the body parser and before the routes.
 */
export function requestContextMiddleware(orm: Orm): Middleware {
  return (_ctx, next) => RequestContext.create(orm.em, next);
}

/** Every EntityManager in context is a fork of an `Orm`'s (`createOrm`, PostgreSQL): this tells TypeScript. */
const isOrmEm = (em: CoreEntityManager): em is Orm['em'] => em instanceof EntityManager;

/** The EntityManager of the current request / `withEm` scope; throws outside one. */
export function currentEm(): Orm['em'] {
  const em = RequestContext.getEntityManager();
  if (!em) throw new Error('No EntityManager in context: run inside requestContextMiddleware or withEm()');
  if (!isOrmEm(em)) throw new Error('The EntityManager in context is not a PostgreSQL one');
  return em;
}

/**
 * Runs `fn` with a fresh EntityManager fork outside HTTP (Temporal activities, jobs, scripts); the
 * fork is also the context's EM, so `orm.em` works inside. Tenant scoping still comes from the
 * request context (`runWithContext({ tenantId }, ...)`); `{ system: true }` runs it `asSystem()`.
 */
export function withEm<T>(
  orm: Orm,
  fn: (em: Orm['em']) => Promise<T>,
  opts: { system?: boolean } = {},
): Promise<T> {
  const em = orm.em.fork();
  const run = () => RequestContext.create(em, () => fn(em));
  return opts.system ? asSystem(run) : run();
}
