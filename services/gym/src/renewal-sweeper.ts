/**
 * The renewal sweeper, beside the gym worker: after the commit that turns auto-renew on (or
 * activates a membership that has it) the API starts the chain and sets `renewal_started_at`; a
 * crash in between left it null until a later read of the membership started it. The sweeper
 * starts every such chain without waiting for a read: each pass finds active auto-renewing
 * memberships with no chain started whose last change is older than `graceMs` (the API's own start
 * usually wins; racing it is harmless), and starts each through `ensureRenewal`, the API's one way
 * (ALLOW_DUPLICATE + USE_EXISTING: a chain already running is found, never doubled).
 */
import type { Client } from '@temporalio/client';
import type { EntityManager } from '@mikro-orm/postgresql';
import { periodic, sweepTenants, type BackgroundJob, type Logger, type Orm } from '@faena/platform';
import { Membership } from './domain/entities.ts';
import { ensureRenewal } from './renewal.ts';

export interface RenewalSweeperDeps {
  orm: Orm;
  temporal: Client;
  /** The renewal workflow's queue (the contract's; tests name one no worker polls). */
  taskQueue: string;
  logger: Logger;
}

/** A membership changed this long ago without a chain started is the sweeper's (the API had its chance). */
export const RENEWAL_SWEEP_GRACE_MS = 60_000;
/** How often the sweeper looks. */
export const RENEWAL_SWEEP_EVERY_MS = 60_000;
const BATCH = 50;

/**
 * One pass: starts the chain of every membership that wants one and has none (changed before
 * `now - graceMs`); answers how many it started and whether a full batch suggests more are due.
 */
export async function sweepRenewals(
  deps: RenewalSweeperDeps,
  opts: { now?: Date; graceMs?: number } = {},
): Promise<{ started: number; failed: number; more: boolean }> {
  const before = new Date((opts.now ?? new Date()).getTime() - (opts.graceMs ?? RENEWAL_SWEEP_GRACE_MS));
  const pass = await sweepTenants({
    orm: deps.orm,
    logger: deps.logger,
    name: 'renewal sweep',
    batch: BATCH,
    // Which memberships of every business still need a chain.
    due: (em) =>
      (em as unknown as EntityManager).find(
        Membership,
        { autoRenew: true, status: 'active', renewalStartedAt: null, updatedAt: { $lt: before } },
        {
          fields: ['id', 'tenantId'],
          orderBy: { updatedAt: 'asc', id: 'asc' },
          limit: BATCH,
          filters: false,
        },
      ),
    handle: async (e, row) => {
      const em = e as unknown as EntityManager;
      const m = await em.findOne(Membership, { id: row.id });
      return m ? ensureRenewal(em, deps.temporal, deps.taskQueue, m) : false;
    },
    describe: (row) => ({ membershipId: row.id }),
  });
  return { started: pass.done, failed: pass.failed, more: pass.more };
}

/** The sweeper as a job beside the worker (`background` of runWorker). */
export function renewalSweeper(
  deps: RenewalSweeperDeps,
  opts: { everyMs?: number; graceMs?: number } = {},
): BackgroundJob {
  return periodic({
    name: 'renewal sweep',
    everyMs: opts.everyMs ?? RENEWAL_SWEEP_EVERY_MS,
    logger: deps.logger,
    run: async () =>
      (await sweepRenewals(deps, opts.graceMs === undefined ? {} : { graceMs: opts.graceMs })).more,
  });
}
