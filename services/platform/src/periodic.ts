/**
 * Jobs that run beside a Temporal worker (`WorkerParts.background` of `runWorker`): a sweep or an
 * outbox dispatcher, each repeated until SIGTERM. `periodic` runs one job on an interval (at once
 * again while it reports more work); `besideWorker` runs several jobs as the one `background`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityName, FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { runWithContext } from './context.ts';
import { withEm } from './db/context.ts';
import type { Orm } from './db/orm.ts';
import { errorMessage, type Logger } from './logger.ts';

/** What runs beside a worker until the signal aborts. */
export type BackgroundJob = (signal: AbortSignal) => Promise<void>;

/**
 * Runs `run` every `everyMs` until `signal` aborts; a run answering `true` (more was due) is
 * followed by the next at once. A failing run is logged and the next one runs on schedule, so one
 * bad pass never stops the job.
 */
export function periodic(opts: {
  name: string;
  everyMs: number;
  logger: Logger;
  run: () => Promise<boolean | void>;
}): BackgroundJob {
  return async (signal) => {
    while (!signal.aborted) {
      let more = false;
      try {
        more = (await opts.run()) === true;
      } catch (err) {
        opts.logger.error(`${opts.name} failed`, { error: errorMessage(err) });
      }
      if (more || signal.aborted) continue;
      await sleep(opts.everyMs, undefined, { signal }).catch(() => undefined);
    }
  };
}

/** Several jobs as one `background`: each runs until the signal aborts; resolves when all stopped. */
export function besideWorker(...jobs: BackgroundJob[]): BackgroundJob {
  return async (signal) => {
    await Promise.all(jobs.map((job) => job(signal)));
  };
}

/**
 * One pass of a sweep over every business's rows (an outbox, starts a crash left undone): `due`
 * lists them as system work (every tenant), then `handle` takes each in its own business's context
 * with its own EntityManager, answering whether it did something. A row that fails is logged and
 * left for the next pass. `more`: a full batch was due and nothing failed (run again at once).
 */
export async function sweepTenants<R extends { tenantId: string }>(opts: {
  orm: Orm;
  logger: Logger;
  name: string;
  batch: number;
  due: (em: Orm['em']) => Promise<R[]>;
  handle: (em: Orm['em'], row: R) => Promise<boolean>;
  /** What the failure's log line says about the row (ids only: never personal data). */
  describe: (row: R) => Record<string, unknown>;
}): Promise<{ done: number; skipped: number; failed: number; more: boolean }> {
  const rows = await withEm(opts.orm, opts.due, { system: true });
  let done = 0;
  let skipped = 0;
  let failed = 0;
  for (const row of rows) {
    try {
      const did = await runWithContext({ tenantId: row.tenantId }, () =>
        withEm(opts.orm, (em) => opts.handle(em, row)),
      );
      if (did) done++;
      else skipped++;
    } catch (err) {
      failed++;
      opts.logger.warn(`${opts.name}: a row failed; the next pass tries again`, {
        ...opts.describe(row),
        tenantId: row.tenantId,
        error: errorMessage(err),
      });
    }
  }
  if (done) opts.logger.info(`${opts.name} done`, { done });
  return { done, skipped, failed, more: rows.length === opts.batch && failed === 0 };
}

/**
 * A sweep of one table's rows that a crash left undone — an outbox whose process was never started
 * or signalled: every business's rows matching `where` whose `ageField` is older than the grace
 * (the request that wrote them had its chance) are re-read in their business and handed to
 * `handle`, the request path's own way of finishing them (so the sweeper never does it another way).
 */
export interface RecordSweep<E extends { id: string; tenantId: string }> {
  /** Its log lines' name ("pos low-stock sweep"). */
  name: string;
  entity: EntityName<E>;
  /** Which rows are still due, before the age condition (e.g. `{ deliveredAt: null }`). */
  where: FilterQuery<E>;
  /** The column whose age makes a row the sweeper's. */
  ageField: 'createdAt' | 'updatedAt';
  /** How the failure's log line names a row (`alertId`): ids only, never personal data. */
  idLabel: string;
  graceMs: number;
  everyMs: number;
  batch?: number;
  /** Finishes one row (its own business's EntityManager): whether it did something. */
  handle: (em: EntityManager, row: E) => Promise<boolean>;
}

/** One pass of a `RecordSweep`; `more` when a full batch was due and nothing failed. */
export async function sweepRecords<E extends { id: string; tenantId: string }>(
  deps: { orm: Orm; logger: Logger },
  sweep: RecordSweep<E>,
  opts: { now?: Date; graceMs?: number } = {},
): Promise<{ done: number; skipped: number; failed: number; more: boolean }> {
  const batch = sweep.batch ?? 50;
  const before = new Date((opts.now ?? new Date()).getTime() - (opts.graceMs ?? sweep.graceMs));
  return sweepTenants({
    orm: deps.orm,
    logger: deps.logger,
    name: sweep.name,
    batch,
    due: (em) =>
      (em as EntityManager).find(
        sweep.entity,
        { $and: [sweep.where, { [sweep.ageField]: { $lt: before } }] } as FilterQuery<E>,
        {
          fields: ['id', 'tenantId'] as never,
          orderBy: { [sweep.ageField]: 'asc', id: 'asc' } as never,
          limit: batch,
          filters: false,
        },
      ) as Promise<Array<{ id: string; tenantId: string }>>,
    handle: async (e, row) => {
      const em = e as EntityManager;
      const record = await em.findOne(sweep.entity, { id: row.id } as FilterQuery<E>);
      return record ? sweep.handle(em, record) : false;
    },
    describe: (row) => ({ [sweep.idLabel]: row.id }),
  });
}

/** A `RecordSweep` as a job beside the worker (`background` of runWorker). */
export function recordSweeper<E extends { id: string; tenantId: string }>(
  deps: { orm: Orm; logger: Logger },
  sweep: RecordSweep<E>,
  opts: { everyMs?: number; graceMs?: number } = {},
): BackgroundJob {
  return periodic({
    name: sweep.name,
    everyMs: opts.everyMs ?? sweep.everyMs,
    logger: deps.logger,
    run: async () =>
      (await sweepRecords(deps, sweep, opts.graceMs === undefined ? {} : { graceMs: opts.graceMs })).more,
  });
}
