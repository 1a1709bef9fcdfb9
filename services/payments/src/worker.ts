/** The payments worker: its activities on the payments queue, and the reconciliation schedule kept in place. */
import { createTemporalClient, loadConfigOrExit, runWorker } from '@faena/platform';
import { createActivities } from './activities.ts';
import { paymentsWorkerConfigSchema, type PaymentsWorkerConfig } from './config.ts';
import { TASK_QUEUE } from './constants.ts';
import { ensureReconciliationSchedule } from './schedules.ts';
import { createPaymentsActivityDeps, createPaymentsOrm } from './wiring.ts';

const config = loadConfigOrExit<PaymentsWorkerConfig>(paymentsWorkerConfigSchema);
await runWorker({
  config,
  taskQueue: TASK_QUEUE,
  orm: createPaymentsOrm,
  build: async ({ orm, logger }) => {
    const client = await createTemporalClient(config);
    try {
      await ensureReconciliationSchedule(client, {
        everyMinutes: config.RECONCILE_EVERY_MINUTES,
        olderThanMinutes: config.RECONCILE_PENDING_AFTER_MINUTES,
      });
    } finally {
      await client.connection.close();
    }
    return { activities: createActivities(createPaymentsActivityDeps(config, { orm, logger })) };
  },
});
