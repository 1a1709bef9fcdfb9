/**
 * Every activity the POS worker serves (task queue `pos`), one object per process, each in its own
 * file and implementing its contract's activity interface with `satisfies`. A new process adds its
 * object here with one line. The low-stock alert asks only identity and notifications (its sweeper
 * runs beside the worker, src/worker.ts); printing and the nightly closure (issue 18) add theirs.
 * Until then the one activity is `inventoryAlertStatus` (no workflow calls it yet): a Temporal
 * worker with no activity and no workflow refuses to start.
 */
import { withEm, type Logger, type Orm } from '@faena/platform';
import { InventoryAlert } from './domain/inventory-entities.ts';
import { closureActivities } from './closure/activities.ts';
import { printingActivities, type PrintingActivityDeps } from './printing/activities.ts';

export interface ActivityDeps {
  orm: Orm;
  logger: Logger;
  /** Kitchen printing's needs (Redis for the screen fallback, Temporal for the printers' processes). */
  printing?: Omit<PrintingActivityDeps, 'orm' | 'logger'>;
}

export function posActivities(deps: ActivityDeps) {
  return {
    ...closureActivities(deps),
    ...(deps.printing ? printingActivities({ ...deps, ...deps.printing }) : {}),
    /** Whether an inventory alert was handed to its process (null: no such alert in the tenant). */
    async inventoryAlertStatus(input: { alertId: string }): Promise<{ delivered: boolean } | null> {
      return withEm(deps.orm, async (em) => {
        const alert = await em.findOne(InventoryAlert, { id: input.alertId });
        return alert ? { delivered: !!alert.deliveredAt } : null;
      });
    },
  };
}

export type PosActivities = ReturnType<typeof posActivities>;
