/**
 * The POS worker: POS's activities of every process (activities.ts) on the `pos` queue, and beside
 * them the low-stock sweeper (alerts a crash left without their process after the movement's commit).
 */
import { besideWorker, createTemporalClient, loadConfigOrExit, runWorker } from '@faena/platform';
import { LOW_STOCK_TASK_QUEUE } from '@faena/workflows/stock/contract';
import { posActivities } from './activities.ts';
import { posWorkerConfigSchema, type PosWorkerConfig } from './config.ts';
import { TASK_QUEUE } from './constants.ts';
import { lowStockSweeper } from './low-stock.ts';
import { createPosActivityDeps, createPosOrm } from './wiring.ts';

const config = loadConfigOrExit<PosWorkerConfig>(posWorkerConfigSchema);
await runWorker({
  config,
  taskQueue: TASK_QUEUE,
  orm: createPosOrm,
  build: async (infra) => {
    const temporal = await createTemporalClient(config);
    return {
      activities: posActivities(createPosActivityDeps(infra)),
      background: besideWorker(lowStockSweeper({ ...infra, temporal, taskQueue: LOW_STOCK_TASK_QUEUE })),
      closers: [{ name: 'temporal-client', close: () => temporal.connection.close() }],
    };
  },
});
