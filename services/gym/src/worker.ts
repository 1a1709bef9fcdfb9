/** The gym worker: the gym's activities of every process (renewal, waitlist…), on the gym queue. */
import { besideWorker, createTemporalClient, loadConfigOrExit, runWorker } from '@faena/platform';
import { RENEWAL_TASK_QUEUE } from '@faena/workflows/renewal/contract';
import { WAITLIST_TASK_QUEUE } from '@faena/workflows/waitlist/contract';
import { LOW_STOCK_TASK_QUEUE } from '@faena/workflows/stock/contract';
import { gymActivities } from './activities.ts';
import { gymWorkerConfigSchema, type GymWorkerConfig } from './config.ts';
import { TASK_QUEUE } from './constants.ts';
import { createWaitlistDispatcher } from './waitlist-dispatcher.ts';
import { renewalSweeper } from './renewal-sweeper.ts';
import { lowStockSweeper } from './low-stock.ts';
import { createGymActivityDeps, createGymOrm } from './wiring.ts';

const config = loadConfigOrExit<GymWorkerConfig>(gymWorkerConfigSchema);
await runWorker({
  config,
  taskQueue: TASK_QUEUE,
  orm: createGymOrm,
  build: async (infra) => {
    // The waitlist outbox's dispatcher runs beside the activities (it signals with its own client).
    const temporal = await createTemporalClient(config);
    const outbox = createWaitlistDispatcher({ ...infra, temporal, waitlistTaskQueue: WAITLIST_TASK_QUEUE });
    return {
      activities: gymActivities(createGymActivityDeps(infra)),
      background: besideWorker(
        outbox.run,
        // Renewal chains a crash left unstarted after their commit (renewal-sweeper.ts).
        renewalSweeper({ ...infra, temporal, taskQueue: RENEWAL_TASK_QUEUE }),
        // Low-stock alerts a crash left unstarted after their sale's commit (low-stock.ts).
        lowStockSweeper({ ...infra, temporal, taskQueue: LOW_STOCK_TASK_QUEUE }),
      ),
      closers: [{ name: 'temporal-client', close: () => temporal.connection.close() }],
    };
  },
});
