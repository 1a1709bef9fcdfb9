/**
 * The POS worker: POS's activities of every process (activities.ts) on the `pos` queue, and beside
 * them the low-stock sweeper (alerts a crash left without their process after the movement's commit)
 * and the print sweeper (kitchen tickets whose print process the API did not start).
 */
import { besideWorker, createTemporalClient, loadConfigOrExit, runWorker } from '@faena/platform';
import { LOW_STOCK_TASK_QUEUE } from '@faena/workflows/stock/contract';
import { PRINTING_TASK_QUEUE } from '@faena/workflows/printing/contract';
import { posActivities } from './activities.ts';
import { posWorkerConfigSchema, type PosWorkerConfig } from './config.ts';
import { TASK_QUEUE } from './constants.ts';
import { lowStockSweeper } from './low-stock.ts';
import { printSweeper } from './printing/start.ts';
import { createPosActivityDeps, createPosOrm } from './wiring.ts';

const config = loadConfigOrExit<PosWorkerConfig>(posWorkerConfigSchema);
await runWorker({
  config,
  taskQueue: TASK_QUEUE,
  orm: createPosOrm,
  redis: true,
  build: async (infra) => {
    const temporal = await createTemporalClient(config);
    return {
      activities: posActivities(createPosActivityDeps(config, infra, { temporal })),
      background: besideWorker(
        lowStockSweeper({ ...infra, temporal, taskQueue: LOW_STOCK_TASK_QUEUE }),
        printSweeper({ ...infra, temporal, printTaskQueue: PRINTING_TASK_QUEUE }),
      ),
      closers: [{ name: 'temporal-client', close: () => temporal.connection.close() }],
    };
  },
});
