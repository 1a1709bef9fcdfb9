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
import {
  recordSweeper,
  sweepRecords,
  type BackgroundJob,
  type Logger,
  type Orm,
  type RecordSweep,
} from '@faena/platform';
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

/** Which memberships of every business still need a chain. */
const renewalSweep = (deps: RenewalSweeperDeps): RecordSweep<Membership> => ({
  name: 'renewal sweep',
  entity: Membership,
  where: { autoRenew: true, status: 'active', renewalStartedAt: null },
  ageField: 'updatedAt',
  idLabel: 'membershipId',
  graceMs: RENEWAL_SWEEP_GRACE_MS,
  everyMs: RENEWAL_SWEEP_EVERY_MS,
  handle: (em, m) => ensureRenewal(em, deps.temporal, deps.taskQueue, m),
});

/**
 * One pass: starts the chain of every membership that wants one and has none (changed before
 * `now - graceMs`); answers how many it started and whether a full batch suggests more are due.
 */
export async function sweepRenewals(
  deps: RenewalSweeperDeps,
  opts: { now?: Date; graceMs?: number } = {},
): Promise<{ started: number; failed: number; more: boolean }> {
  const pass = await sweepRecords(deps, renewalSweep(deps), opts);
  return { started: pass.done, failed: pass.failed, more: pass.more };
}

/** The sweeper as a job beside the worker (`background` of runWorker). */
export const renewalSweeper = (
  deps: RenewalSweeperDeps,
  opts: { everyMs?: number; graceMs?: number } = {},
): BackgroundJob => recordSweeper(deps, renewalSweep(deps), opts);
