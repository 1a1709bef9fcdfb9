/**
 * Jobs that run beside a Temporal worker (`WorkerParts.background` of `runWorker`): a sweep or an
 * outbox dispatcher, each repeated until SIGTERM. `periodic` runs one job on an interval (at once
 * again while it reports more work); `besideWorker` runs several jobs as the one `background`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
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
