/**
 * Jobs that run beside a Temporal worker (`WorkerParts.background` of `runWorker`): a sweep or an
 * outbox dispatcher, each repeated until SIGTERM. `periodic` runs one job on an interval (at once
 * again while it reports more work); `besideWorker` runs several jobs as the one `background`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
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
