import { AsyncLocalStorage } from 'node:async_hooks';

const system = new AsyncLocalStorage<true>();

/**
 * Runs `fn` as system work: the tenant filter and the tenant write guard step aside, so queries
 * see (and flushes may touch) every tenant's rows. For cross-tenant jobs and sysadmin tooling only;
 * per-tenant background work runs in `runWithContext({ tenantId }, ...)` instead.
 */
export function asSystem<T>(fn: () => T): T {
  return system.run(true, fn);
}

/** True inside `asSystem()`. */
export function isSystemContext(): boolean {
  return system.getStore() === true;
}
