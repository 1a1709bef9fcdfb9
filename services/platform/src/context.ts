import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line and every query of one unit of work (request, activity) knows about it. */
export interface RequestContext {
  correlationId?: string;
  tenantId?: string;
  userId?: string;
  /** Filled by the auth guard: the caller's permissions, resolved through the cache. */
  permissions?: ReadonlySet<string>;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with a fresh context layered over the current one. */
export function runWithContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...ctx }, fn);
}

/** The current context; an empty object outside any unit of work. */
export function currentContext(): RequestContext {
  return storage.getStore() ?? {};
}

/** Adds fields (e.g. tenantId after authentication) to the current context in place. */
export function setContext(fields: Partial<RequestContext>): void {
  const store = storage.getStore();
  if (store) Object.assign(store, fields);
}
